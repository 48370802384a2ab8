import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { createEventRelay } from "../event-relay.js";
import type { ResolverEvent } from "../tenants/resolve-tenant.js";
import {
  createDeliveryMetrics,
  createJobMetrics,
  type DeliveryMetrics,
  type JobMetrics,
} from "./job-metrics.js";
import {
  cacheTierLabel,
  fallbackLabel,
  messageTypeLabel,
  outcomeLabel,
  statusClassLabel,
  UNKNOWN,
} from "./labels.js";

/** A series that could not be read at scrape time (it is left out of that scrape). */
export interface CollectError {
  /** What was being read, e.g. "job-queue-depth". */
  metric: string;
  /** Which instance of it, e.g. the queue ("database", "bullmq"). */
  source: string;
  error: unknown;
}

/** The canonical summary fields of one webhook (see process-webhook.ts). */
export type WebhookSummary = Readonly<Record<string, unknown>>;

/** Counters and histograms of one app instance, and the registry that renders them. */
export interface Metrics {
  readonly registry: Registry;
  /** Records one webhook from its canonical summary (type, outcome, status, cache tier). */
  observeWebhook(summary: WebhookSummary, durationSeconds: number): void;
  /** Records one tool call as the assistant got it: ok (a result) or error, and how long. */
  observeToolCall(toolName: string, ok: boolean, durationSeconds: number): void;
  /** Counts tenant-cache trouble: Redis errors, failed refreshes, stale answers. */
  observeResolverEvent(event: ResolverEvent): void;
  readonly jobs: JobMetrics;
  readonly deliveries: DeliveryMetrics;
  /**
   * Adds a listener for series that could not be read during a scrape (the scrape still
   * succeeds without them); whoever has a logger logs them. Returns a function that removes it.
   */
  onCollectError(listener: (error: CollectError) => void): () => void;
  /** The Prometheus text exposition of everything registered. */
  render(): Promise<{ contentType: string; body: string }>;
}

export interface CreateMetricsOptions {
  /** Whether a tool name is registered; others are counted as "unknown". */
  isKnownTool: (name: string) => boolean;
  /** Entries in the in-process tenant cache, read at scrape time. */
  tenantCacheEntries?: () => number;
  /** Node.js process metrics (CPU, memory, event loop, GC). Default true. */
  processMetrics?: boolean;
}

// Webhooks answer in milliseconds; the tail that matters is Vapi's 7.5 s assistant-request limit
// and the tool budget (10 s by default), so buckets reach past both.
const LATENCY_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3.5, 5, 7.5, 10, 20,
];

/**
 * Builds one registry per app (never prom-client's global one), so several servers in one
 * process, as in tests, each count only their own traffic.
 */
export function createMetrics(options: CreateMetricsOptions): Metrics {
  const registry = new Registry();
  const collectErrors = createEventRelay<CollectError>();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const webhookRequests = new Counter({
    name: "frontdesk_webhook_requests_total",
    help: "Vapi webhooks by message type, outcome and HTTP status class.",
    labelNames: ["message_type", "outcome", "status_class"] as const,
    registers: [registry],
  });
  const webhookDuration = new Histogram({
    name: "frontdesk_webhook_duration_seconds",
    help: "Time to answer a Vapi webhook, by message type and outcome.",
    labelNames: ["message_type", "outcome"] as const,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  const assistantRequests = new Counter({
    name: "frontdesk_assistant_requests_total",
    help: "assistant-request answers by tenant cache tier and fallback used (none when the tenant's assistant answered).",
    labelNames: ["cache_tier", "fallback"] as const,
    registers: [registry],
  });
  const toolInvocations = new Counter({
    name: "frontdesk_tool_invocations_total",
    help: "Tool calls by tool and outcome (ok, error).",
    labelNames: ["tool", "outcome"] as const,
    registers: [registry],
  });
  const toolDuration = new Histogram({
    name: "frontdesk_tool_duration_seconds",
    help: "Time to answer one tool call, by tool and outcome.",
    labelNames: ["tool", "outcome"] as const,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  const cacheEvents = new Counter({
    name: "frontdesk_tenant_cache_events_total",
    help: "Tenant cache trouble: shared-cache-error (Redis), change-feed-error (database change feed), refresh-error, stale-served (with reason).",
    labelNames: ["event", "reason"] as const,
    registers: [registry],
  });
  const entries = options.tenantCacheEntries;
  if (entries !== undefined) {
    new Gauge({
      name: "frontdesk_tenant_cache_entries",
      help: "Entries in the in-process tenant cache (numbers, ids and negative entries).",
      registers: [registry],
      collect() {
        this.set(entries());
      },
    });
  }

  return {
    registry,
    observeWebhook(summary, durationSeconds) {
      const messageType = messageTypeLabel(summary.messageType);
      const outcome = outcomeLabel(summary.outcome);
      webhookRequests.inc({
        message_type: messageType,
        outcome,
        status_class: statusClassLabel(summary.statusCode),
      });
      webhookDuration.observe({ message_type: messageType, outcome }, durationSeconds);
      if (messageType === "assistant-request") {
        assistantRequests.inc({
          cache_tier: cacheTierLabel(summary.cacheTier),
          fallback: fallbackLabel(summary.outcome, summary.statusCode),
        });
      }
    },
    observeToolCall(toolName, ok, durationSeconds) {
      const labels = {
        tool: options.isKnownTool(toolName) ? toolName : UNKNOWN,
        outcome: ok ? "ok" : "error",
      };
      toolInvocations.inc(labels);
      toolDuration.observe(labels, durationSeconds);
    },
    observeResolverEvent(event) {
      cacheEvents.inc({
        event: event.type,
        reason: event.type === "stale-served" ? event.reason : "none",
      });
    },
    jobs: createJobMetrics(registry, {
      onProbeError: (queue, error) =>
        collectErrors.emit({ metric: "job-queue-depth", source: queue, error }),
    }),
    deliveries: createDeliveryMetrics(registry),
    onCollectError: (listener) => collectErrors.on(listener),
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
