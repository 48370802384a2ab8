import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import type { ToolRegistry } from "../tools/registry.js";
import {
  createAssistantRequestHandler,
  type FallbackSettings,
} from "./handlers/assistant-request.js";
import { createFunctionCallHandler } from "./handlers/function-call.js";
import { createToolCallsHandler } from "./handlers/tool-calls.js";
import { createMessageRouter, type MessageRouter } from "./router.js";

export interface VapiRouterDeps {
  db: Kysely<Database>;
  registry: ToolRegistry;
  fallback: FallbackSettings;
  toolBudgetMs: number;
}

/** Registers every handler we have. Types without one are acknowledged with `{}`. */
export function createVapiRouter(deps: VapiRouterDeps): MessageRouter {
  const toolDeps = { registry: deps.registry, db: deps.db, toolBudgetMs: deps.toolBudgetMs };
  return createMessageRouter()
    .on("assistant-request", createAssistantRequestHandler(deps.fallback))
    .on("tool-calls", createToolCallsHandler(toolDeps))
    .on("function-call", createFunctionCallHandler(toolDeps));
}
