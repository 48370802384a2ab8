import type { Kysely } from "kysely";
import type { CallRepo } from "../calls/call-repo.js";
import { createReturningCallerLookup } from "../calls/find-returning-caller.js";
import type { Database } from "../db/schema.js";
import type { JobEnqueuer } from "../jobs/queue.js";
import type { ToolRegistry } from "../tools/registry.js";
import {
  createAssistantRequestHandler,
  type FallbackSettings,
} from "./handlers/assistant-request.js";
import { createEndOfCallReportHandler } from "./handlers/end-of-call-report.js";
import { createFunctionCallHandler } from "./handlers/function-call.js";
import { createHangHandler } from "./handlers/hang.js";
import { createKnowledgeBaseRequestHandler } from "./handlers/knowledge-base-request.js";
import { createStatusUpdateHandler } from "./handlers/status-update.js";
import { createToolCallsHandler, type ToolCallsDeps } from "./handlers/tool-calls.js";
import { createTransferDestinationRequestHandler } from "./handlers/transfer-destination-request.js";
import { createMessageRouter, type MessageRouter } from "./router.js";

export interface VapiRouterDeps {
  db: Kysely<Database>;
  registry: ToolRegistry;
  fallback: FallbackSettings;
  toolBudgetMs: number;
  calls: CallRepo;
  /** Follow-up jobs (tenant notifications after a report or a lead). */
  jobs: JobEnqueuer;
  /** Told how every tool call ended and how long it took (metrics). */
  onToolOutcome?: ToolCallsDeps["onToolOutcome"];
}

/** Registers every handler we have. Types without one are acknowledged with `{}`. */
export function createVapiRouter(deps: VapiRouterDeps): MessageRouter {
  const toolDeps: ToolCallsDeps = {
    registry: deps.registry,
    db: deps.db,
    toolBudgetMs: deps.toolBudgetMs,
    jobs: deps.jobs,
    ...(deps.onToolOutcome === undefined ? {} : { onToolOutcome: deps.onToolOutcome }),
  };
  return createMessageRouter()
    .on(
      "assistant-request",
      createAssistantRequestHandler(deps.fallback, createReturningCallerLookup(deps.db)),
    )
    .on("tool-calls", createToolCallsHandler(toolDeps))
    .on("function-call", createFunctionCallHandler(toolDeps))
    .on("transfer-destination-request", createTransferDestinationRequestHandler({ db: deps.db }))
    .on("knowledge-base-request", createKnowledgeBaseRequestHandler())
    .on("status-update", createStatusUpdateHandler(deps.calls))
    .on("end-of-call-report", createEndOfCallReportHandler(deps.calls, deps.jobs))
    .on("hang", createHangHandler());
}
