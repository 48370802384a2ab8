import type { HandlerContext } from "../handler-context.js";

export interface CallTarget {
  tenantId: string;
  callId: string;
}

// Vapi call ids are UUIDs. Anything much longer is not one, and would not fit a PostgreSQL
// index entry (about 2.7 KB), turning every retry of the message into the same failure.
const MAX_CALL_ID_LENGTH = 128;

/**
 * The tenant and call a call-scoped informational message belongs to, or `undefined` when it
 * cannot be recorded; the message is then acknowledged (200 `{}`) without a write:
 *
 * - No tenant (the dialed number is not ours, or was detached): there is no tenant to attach
 *   the call to, a retry would resolve the same way, and keeping records for numbers we do not
 *   serve would let anyone holding the webhook secret fill the database. Logged at info: it
 *   is expected (an unknown number's setup-failure report) rather than a fault.
 * - No usable call id: nothing to key the record on, and a retry carries the same body.
 *   Logged at warn: Vapi always sends one for calls, so this is worth a look.
 */
export function resolveCallTarget(ctx: HandlerContext, what: string): CallTarget | undefined {
  if (ctx.tenant === undefined) {
    ctx.annotate({ outcome: "unknown-number" });
    ctx.log.info(`${what} for a number no tenant owns; acknowledged without storing`);
    return undefined;
  }
  const callId = ctx.callId;
  if (callId === undefined || callId.length === 0 || callId.length > MAX_CALL_ID_LENGTH) {
    ctx.annotate({ outcome: "no-call-id" });
    ctx.log.warn(`${what} without a usable call id; acknowledged without storing`);
    return undefined;
  }
  return { tenantId: ctx.tenant.tenant.id, callId };
}

/**
 * The call id is already taken by another tenant's call: a misrouted or forged message, or a
 * number moved between tenants mid-call. It must not touch that tenant's record, and no retry
 * can ever succeed, so it is acknowledged (a 5xx would only make Vapi's backoffPlan repeat it
 * and then drop it) and logged at warn for an operator, without caller data.
 */
export function rejectForeignCall(ctx: HandlerContext, what: string): void {
  ctx.annotate({ outcome: "call-belongs-to-another-tenant" });
  ctx.log.warn(`${what} names a call that belongs to another tenant; ignored, nothing written`);
}
