import type { Config } from "./config.js";
import type { Deps } from "./deps.js";
import { createVapiRouter } from "./vapi/create-vapi-router.js";
import { createFailureAnswer } from "./vapi/failure-answer.js";
import type { MessageType } from "./vapi/messages.js";
import { createBodyReader } from "./vapi/body-reader.js";
import { createWebhookProcessor, type WebhookProcessor } from "./vapi/process-webhook.js";

export interface WebhookPipeline {
  process: WebhookProcessor;
  /** Stops the body reader threads (webhooks still being answered finish on the event loop). */
  close(): Promise<void>;
}

export interface WebhookPipelineOptions {
  /** Told once if a body reader thread fails (every body is read on the event loop after). */
  onReaderFallback?: (error: unknown) => void;
}

/**
 * The webhook processor as the server runs it: the message router over the stores, tools and
 * jobs, the tenant resolver, the time budgets and failure answers from config, and the threads
 * that read large bodies. The HTTP route
 * (and `bench/webhook-cpu.ts`, which times it without HTTP) take it as it is.
 */
export function createWebhookPipeline(
  config: Config,
  deps: Deps,
  options: WebhookPipelineOptions = {},
): WebhookPipeline {
  const router = createVapiRouter({
    db: deps.db,
    registry: deps.registry,
    fallback: config.fallback,
    toolBudgetMs: config.toolCallBudgetMs,
    calls: deps.calls,
    jobs: deps.jobs,
    onToolOutcome: (name, ok, seconds) => deps.metrics.observeToolCall(name, ok, seconds),
  });
  const reader = createBodyReader({
    threads: config.webhookReadThreads,
    onFallback: options.onReaderFallback,
  });
  const process = createWebhookProcessor({
    auth: config.auth,
    router,
    resolver: deps.resolver,
    clock: deps.clock,
    budgetsMs: webhookBudgets(config),
    failureAnswer: createFailureAnswer(config.fallback),
    readBody: (rawBody) => reader.read(rawBody),
  });
  return { process, close: () => reader.close() };
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
