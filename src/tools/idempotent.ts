import type { Kysely } from "kysely";
import { prepareQuery } from "../db/prepared-query.js";
import type { Database } from "../db/schema.js";
import type { ToolContext, ToolOutcome } from "./tool-definition.js";

/** A retried tool call comes in the same call; '' stands for a missing call id. */
interface InvocationKey {
  tenantId: string;
  callId: string;
  toolCallId: string;
}

const claimInvocation = prepareQuery(
  (db, p: InvocationKey & { toolName: string; args: string; createdAt: string }) =>
    db
      .insertInto("tool_invocations")
      .values({
        tenant_id: p.tenantId,
        tool_call_id: p.toolCallId,
        call_id: p.callId,
        tool_name: p.toolName,
        arguments: p.args,
        outcome: "pending",
        result: "",
        created_at: p.createdAt,
      })
      .onConflict((conflict) =>
        conflict.columns(["tenant_id", "call_id", "tool_call_id"]).doNothing(),
      )
      .returning("tool_call_id"),
);

const findInvocation = prepareQuery((db, p: InvocationKey) =>
  db
    .selectFrom("tool_invocations")
    .select(["outcome", "result"])
    .where("tenant_id", "=", p.tenantId)
    .where("call_id", "=", p.callId)
    .where("tool_call_id", "=", p.toolCallId),
);

const completeInvocation = prepareQuery(
  (db, p: InvocationKey & { outcome: "ok" | "error"; result: string }) =>
    db
      .updateTable("tool_invocations")
      .set({ outcome: p.outcome, result: p.result })
      .where("tenant_id", "=", p.tenantId)
      .where("call_id", "=", p.callId)
      .where("tool_call_id", "=", p.toolCallId),
);

/**
 * Runs a side-effecting tool at most once per `(tenant, call, toolCallId)`.
 *
 * The tool runs inside one transaction together with its `tool_invocations` row, which is
 * claimed first: a concurrent duplicate waits on that row's primary key (PostgreSQL) or on the
 * single connection (SQLite), then reads the stored answer instead of running again. A tool
 * that throws, or whose caller has given up (timeout), rolls everything back, so a retry runs
 * it afresh rather than replaying a result nobody heard.
 */
export async function runIdempotent(
  ctx: ToolContext,
  toolName: string,
  args: unknown,
  execute: (ctx: ToolContext) => Promise<ToolOutcome>,
): Promise<ToolOutcome> {
  const key = { tenantId: ctx.tenant.id, callId: ctx.callId ?? "", toolCallId: ctx.toolCallId };
  return ctx.db.transaction().execute(async (trx) => {
    const claimed = await claimInvocation.executeTakeFirst(trx, {
      ...key,
      toolName,
      args: JSON.stringify(args ?? {}),
      createdAt: new Date(ctx.clock.now()).toISOString(),
    });

    if (claimed === undefined) {
      const first = await findInvocation.executeTakeFirst(trx, key);
      if (first?.outcome === "ok") return { ok: true, result: first.result };
      if (first?.outcome === "error") return { ok: false, error: first.result };
      return { ok: false, error: "That request is still being handled; please wait a moment." };
    }

    const outcome = await execute(onTransaction(ctx, trx));
    // The caller was already told this failed (time budget): do not keep what it did.
    if (!ctx.beginCommit()) throw abortReason(ctx.signal);
    await completeInvocation.execute(trx, {
      ...key,
      outcome: outcome.ok ? "ok" : "error",
      result: outcome.ok ? outcome.result : outcome.error,
    });
    return outcome;
  });
}

/**
 * The tool's context with `db` bound to the transaction. Written out rather than spread: a
 * spread would read `signal`, which the tool-calls handler creates only when a tool asks for it.
 */
function onTransaction(ctx: ToolContext, trx: Kysely<Database>): ToolContext {
  return {
    tenant: ctx.tenant,
    callId: ctx.callId,
    toolCallId: ctx.toolCallId,
    callerNumber: ctx.callerNumber,
    db: trx,
    clock: ctx.clock,
    get signal() {
      return ctx.signal;
    },
    beginCommit: () => ctx.beginCommit(),
    jobs: ctx.jobs,
  };
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("the tool call was abandoned");
}
