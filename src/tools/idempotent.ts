import type { ToolContext, ToolOutcome } from "./tool-definition.js";

/**
 * Runs a side-effecting tool at most once per `(tenant, toolCallId)`.
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
  const key = { tenantId: ctx.tenant.id, toolCallId: ctx.toolCallId };
  return ctx.db.transaction().execute(async (trx) => {
    const claimed = await trx
      .insertInto("tool_invocations")
      .values({
        tenant_id: key.tenantId,
        tool_call_id: key.toolCallId,
        call_id: ctx.callId ?? null,
        tool_name: toolName,
        arguments: JSON.stringify(args ?? {}),
        outcome: "pending",
        result: "",
        created_at: new Date(ctx.clock.now()).toISOString(),
      })
      .onConflict((conflict) => conflict.columns(["tenant_id", "tool_call_id"]).doNothing())
      .returning("tool_call_id")
      .executeTakeFirst();

    if (claimed === undefined) {
      const first = await trx
        .selectFrom("tool_invocations")
        .select(["outcome", "result"])
        .where("tenant_id", "=", key.tenantId)
        .where("tool_call_id", "=", key.toolCallId)
        .executeTakeFirst();
      if (first?.outcome === "ok") return { ok: true, result: first.result };
      if (first?.outcome === "error") return { ok: false, error: first.result };
      return { ok: false, error: "That request is still being handled; please wait a moment." };
    }

    const outcome = await execute({ ...ctx, db: trx });
    // The caller was already told this failed (time budget); do not keep what it did.
    ctx.signal.throwIfAborted();
    await trx
      .updateTable("tool_invocations")
      .set({
        outcome: outcome.ok ? "ok" : "error",
        result: outcome.ok ? outcome.result : outcome.error,
      })
      .where("tenant_id", "=", key.tenantId)
      .where("tool_call_id", "=", key.toolCallId)
      .execute();
    return outcome;
  });
}
