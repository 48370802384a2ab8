import type { Vapi } from "@vapi-ai/server-sdk";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.js";
import { createBestEffortEnqueuer } from "../../jobs/create-best-effort-enqueuer.js";
import type { JobEnqueuer } from "../../jobs/queue.js";
import type { ToolRegistry } from "../../tools/registry.js";
import type { ToolOutcome } from "../../tools/tool-definition.js";
import type { HandlerContext } from "../handler-context.js";
import type { MessageHandler } from "../router.js";
import { extractToolCalls, toSingleLine, type ExtractedToolCall } from "../tool-arguments.js";

export interface ToolCallsDeps {
  registry: ToolRegistry;
  db: Kysely<Database>;
  /** Each tool call gets this long before its entry becomes a speakable error. */
  toolBudgetMs: number;
  /** Follow-up jobs tools enqueue (tenant notifications). */
  jobs: JobEnqueuer;
  /** Told how each tool call ended, as the assistant got it, and how long it took (metrics). */
  onToolOutcome?: (toolName: string, ok: boolean, durationSeconds: number) => void;
}

export const NO_TENANT_ERROR =
  "I can't reach this business's records right now. Please take the caller's name and number and say someone will call back.";
const TIMEOUT_ERROR = "That took too long to complete. Please offer to take a message instead.";
export const FAILURE_ERROR =
  "Something went wrong on our side. Please offer to take a message instead.";

/**
 * Runs every tool call in the message and answers one result per call, in order, each exactly
 * once. A failing, slow or unknown tool becomes that entry's `error`; the status stays 200.
 */
export function createToolCallsHandler(deps: ToolCallsDeps): MessageHandler<"tool-calls"> {
  return async (message, ctx) => {
    const { calls, skipped } = extractToolCalls(message);
    if (skipped > 0) ctx.log.warn({ skipped }, "tool calls without an id or repeated were skipped");
    const outcomes = await Promise.all(calls.map((call) => runOne(call, ctx, deps)));
    const results = toolCallResults(calls, outcomes);
    ctx.annotate({
      outcome: "tool-results",
      tools: calls.map((call) => call.name),
      toolErrors: outcomes.filter((outcome) => !outcome.ok).length,
    });
    const response: Vapi.ServerMessageResponseToolCalls = { results };
    return response;
  };
}

/** One result per call, in order: the outcome as a single speakable line, or its error. */
export function toolCallResults(
  calls: readonly ExtractedToolCall[],
  outcomes: readonly ToolOutcome[],
): Vapi.ToolCallResult[] {
  return calls.map((call, index) => {
    const outcome = outcomes[index] ?? { ok: false, error: FAILURE_ERROR };
    return outcome.ok
      ? { toolCallId: call.id, name: call.name, result: toSingleLine(outcome.result, "Done.") }
      : { toolCallId: call.id, name: call.name, error: toSingleLine(outcome.error, FAILURE_ERROR) };
  });
}

/** Runs one tool by name for the resolved tenant; shared with the legacy function-call type. */
export async function runOne(
  call: ExtractedToolCall,
  ctx: HandlerContext,
  deps: ToolCallsDeps,
): Promise<ToolOutcome> {
  const started = performance.now();
  const outcome = await runTool(call, ctx, deps);
  deps.onToolOutcome?.(call.name, outcome.ok, (performance.now() - started) / 1000);
  return outcome;
}

async function runTool(
  call: ExtractedToolCall,
  ctx: HandlerContext,
  deps: ToolCallsDeps,
): Promise<ToolOutcome> {
  if (ctx.tenant === undefined) return { ok: false, error: NO_TENANT_ERROR };
  if (!call.args.ok) return { ok: false, error: call.args.error };
  const abandonment = createAbandonment(ctx);
  // Once the tool has started to commit, its outcome is what the caller gets, even past the
  // budget: answering "took too long" for work that was kept would tell the caller a booking
  // failed that exists. The whole message's budget (process-webhook) still bounds the wait.
  let committing = false;
  const beginCommit = (): boolean => {
    if (abandonment.isAbandoned()) return false;
    committing = true;
    return true;
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ToolOutcome>((resolve) => {
    timer = setTimeout(() => {
      if (committing) return;
      abandonment.abandon(new Error("tool budget exceeded"));
      resolve({ ok: false, error: TIMEOUT_ERROR });
    }, deps.toolBudgetMs);
  });
  try {
    const run = deps.registry.run(call.name, call.args.value, {
      tenant: ctx.tenant.tenant,
      callId: ctx.callId,
      toolCallId: call.id,
      callerNumber: ctx.callerNumber,
      db: deps.db,
      clock: ctx.clock,
      get signal() {
        return abandonment.signal();
      },
      beginCommit,
      // `ctx.log` builds a child logger on first use: only touch it when something is logged.
      jobs: createBestEffortEnqueuer(deps.jobs, {
        error: (details: unknown, message?: string) => ctx.log.error(details, message),
      }),
    });
    return await Promise.race([run, timeout]);
  } catch (error) {
    ctx.log.error({ err: error, tool: call.name }, "tool failed");
    return { ok: false, error: FAILURE_ERROR };
  } finally {
    clearTimeout(timer);
    abandonment.release();
  }
}

/**
 * Whether one tool call has been given up on: its own budget ran out (`abandon`) or the whole
 * message was (the message's signal). Kept as a flag, checked at the commit point, and turned
 * into an AbortSignal linked to the message's only when a tool asks for `ctx.signal`: the tools
 * we have never do, and a controller plus a listener per tool call (which also made the message
 * build its own controller) cost more than the rest of a short tool's bookkeeping.
 */
function createAbandonment(message: { readonly signal: AbortSignal; readonly aborted: boolean }) {
  let reason: Error | undefined;
  let controller: AbortController | undefined;
  let unlink: (() => void) | undefined;
  return {
    abandon(error: Error): void {
      reason ??= error;
      controller?.abort(reason);
    },
    isAbandoned(): boolean {
      return reason !== undefined || message.aborted;
    },
    signal(): AbortSignal {
      if (controller === undefined) {
        const own = new AbortController();
        controller = own;
        const parent = message.signal;
        if (reason !== undefined) {
          own.abort(reason);
        } else if (parent.aborted) {
          own.abort(parent.reason);
        } else {
          const onParentAbort = () => own.abort(parent.reason);
          parent.addEventListener("abort", onParentAbort, { once: true });
          unlink = () => parent.removeEventListener("abort", onParentAbort);
        }
      }
      return controller.signal;
    },
    /** Detaches from the message's signal once the tool call is answered. */
    release(): void {
      unlink?.();
    },
  };
}
