import type { Kysely } from "kysely";
import type { z } from "zod";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";
import type { JobEnqueuer } from "../jobs/queue.js";
import type { Tenant } from "../tenants/tenant-document.js";

/** What a tool may know about the call it runs in. The tenant comes from the dialed number. */
export interface ToolContext {
  tenant: Tenant;
  callId: string | undefined;
  toolCallId: string;
  callerNumber: string | undefined;
  db: Kysely<Database>;
  clock: Clock;
  /** Aborted when the caller has given up on this tool (its time budget ran out). */
  signal: AbortSignal;
  /**
   * Called right before the tool makes its work permanent (commits). `false`: the caller has
   * already been told it failed, so the work must be rolled back. `true`: from here on the
   * caller waits for this outcome instead of answering "took too long", so a committed result
   * is never reported as a failure.
   */
  beginCommit(): boolean;
  /**
   * Follow-up work (tenant notifications); enqueue with `db` to join the tool's transaction.
   * Failures are logged, never thrown: they must not cost the caller the tool's own result.
   */
  jobs: JobEnqueuer;
}

/** A tool's answer as a value: the text the assistant gets, or a sentence it can say. */
export type ToolOutcome = { ok: true; result: string } | { ok: false; error: string };

export interface ToolDefinition<TArgs = unknown> {
  name: string;
  /** Shown to the model; say when to use the tool and what it returns. */
  description: string;
  /** Validates arguments and is offered to the model as JSON Schema. */
  argsSchema: z.ZodType<TArgs>;
  /**
   * Writes data. Such a tool runs at most once per tool call id: a retry gets the first answer
   * back and changes nothing (see idempotent.ts). Read-only tools answer afresh every time.
   */
  sideEffects?: boolean;
  /** Whether this tenant gets the tool (e.g. no escalation tool without an escalation number). */
  isAvailableFor?(tenant: Tenant): boolean;
  execute(ctx: ToolContext, args: TArgs): Promise<ToolOutcome>;
}

/** Keeps the argument type attached while letting the registry hold mixed tools. */
export function defineTool<TArgs>(definition: ToolDefinition<TArgs>): ToolDefinition<TArgs> {
  return definition;
}
