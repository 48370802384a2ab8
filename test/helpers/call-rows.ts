import { randomUUID } from "node:crypto";
import type { CallRow, CallStatusEventRow } from "../../src/db/schema.js";
import type { Tenant } from "../../src/tenants/tenant-document.js";
import type { CallParties } from "../fixtures/vapi/builders.js";
import type { TestServer } from "./start-server.js";

/** The dialed-number fields Vapi would send for a call to this tenant's first number. */
export function partiesOf(
  tenant: Tenant,
  callId: string = randomUUID(),
): CallParties & { callId: string } {
  const phone = tenant.phoneNumbers[0];
  if (phone === undefined) throw new Error(`tenant ${tenant.id} has no phone number`);
  return { vapiPhoneNumberId: phone.vapiPhoneNumberId, number: phone.number, callId };
}

/** Every stored row for a call id, whichever tenant it belongs to (reads the database directly). */
export async function readCalls(server: TestServer, callId: string): Promise<CallRow[]> {
  return server.deps.db.selectFrom("calls").selectAll().where("id", "=", callId).execute();
}

export async function readCall(server: TestServer, callId: string): Promise<CallRow | undefined> {
  const rows = await readCalls(server, callId);
  if (rows.length > 1) throw new Error(`${rows.length} rows for call ${callId}`);
  return rows[0];
}

export async function readStatusEvents(
  server: TestServer,
  callId: string,
): Promise<CallStatusEventRow[]> {
  return server.deps.db
    .selectFrom("call_status_events")
    .selectAll()
    .where("call_id", "=", callId)
    .orderBy("received_at")
    .orderBy("status")
    .execute();
}

/** Log lines written while handling the request that got this response. */
export function logsFor(server: TestServer, response: Response): Record<string, unknown>[] {
  const requestId = response.headers.get("x-request-id");
  return server.logs.filter((line) => line.reqId === requestId);
}

/** The one canonical "vapi webhook" line for a response. */
export function canonicalLine(
  server: TestServer,
  response: Response,
): Record<string, unknown> | undefined {
  return logsFor(server, response).find((line) => line.msg === "vapi webhook");
}

/** Pino levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;
