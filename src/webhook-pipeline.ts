import type { Config } from "./config.js";
import type { Deps } from "./deps.js";
import { createVapiRouter } from "./vapi/create-vapi-router.js";
import { createFailureAnswer } from "./vapi/failure-answer.js";
import type { MessageType } from "./vapi/messages.js";
import { createWebhookProcessor, type WebhookProcessor } from "./vapi/process-webhook.js";

/**
 * The webhook processor as the server runs it: the message router over the stores, tools and
 * jobs, the tenant resolver, the time budgets and failure answers from config. The HTTP route
 * (and `bench/webhook-cpu.ts`, which times it without HTTP) take it as it is.
 */
export function createWebhookPipeline(config: Config, deps: Deps): WebhookProcessor {
  const router = createVapiRouter({
    db: deps.db,
    registry: deps.registry,
    fallback: config.fallback,
    toolBudgetMs: config.toolCallBudgetMs,
    calls: deps.calls,
    jobs: deps.jobs,
    onToolOutcome: (name, ok, seconds) => deps.metrics.observeToolCall(name, ok, seconds),
  });
  return createWebhookProcessor({
    auth: config.auth,
    router,
    resolver: deps.resolver,
    clock: deps.clock,
    budgetsMs: webhookBudgets(config),
    failureAnswer: createFailureAnswer(config.fallback),
  });
}

/**
 * The tenant lookup is part of every webhook: without a whole-message budget a hanging store
 * would hold a tool call or a report past Vapi's own timeout. Tool-call messages get their
 * per-tool budget plus the assistant-request budget for the lookup; their failure answer is a
 * spoken error per call. Stored messages get a 503 (retried by Vapi) when they run out.
 */
function webhookBudgets(config: Config): Partial<Record<MessageType, number>> {
  const toolMessageBudgetMs = config.toolCallBudgetMs + config.assistantRequestBudgetMs;
  return {
    "assistant-request": config.assistantRequestBudgetMs,
    "tool-calls": toolMessageBudgetMs,
    "function-call": toolMessageBudgetMs,
    "transfer-destination-request": toolMessageBudgetMs,
    "knowledge-base-request": toolMessageBudgetMs,
    "end-of-call-report": config.storeBudgetMs,
    "status-update": config.storeBudgetMs,
  };
}
