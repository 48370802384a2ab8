import { z } from "zod";
import { VoiceSchema, type Model, type Voice } from "./tenants/tenant-document.js";
import { OPENAI_MODELS } from "./vapi/catalog.js";

/** A comma-separated list in one variable; blanks and surrounding spaces are dropped. */
const commaList = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .optional()
  .transform((value) => value === "true" || value === "1" || value === "yes");

// Like booleanFlag, but unset (or blank) means true.
const booleanFlagDefaultTrue = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .optional()
  .transform(
    (value) =>
      value === undefined || value === "" || value === "true" || value === "1" || value === "yes",
  );

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]+$/, "must be an HTTP header name")
  .transform((value) => value.toLowerCase());

const MIB = 1024 * 1024;

/**
 * The environment we read, and nothing else. Every variable is documented in `.env.example`
 * and the README's configuration table.
 */
export const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z.string().min(1).default("./data/frontdesk.db"),
  // SQLite only: where WAL checkpoints run (ADR 0010, addendum 2). `inline` is SQLite's own way.
  SQLITE_CHECKPOINTS: z.enum(["background", "inline"]).default("inline"),
  // Worker threads that parse and validate large webhook bodies off the event loop (ADR 0012).
  // Off by default: it pays only while one process saturates its event loop with a CPU spare.
  WEBHOOK_READ_THREADS: z.coerce.number().int().min(0).max(16).default(0),
  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  // Namespaces Redis keys and channels so several deployments (or test runs) can share a server.
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{0,64}$/)
    .default("frontdesk:"),
  ADMIN_TOKEN: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  // Bearer token for GET /metrics; unset leaves it open (it is often only reachable in-cluster).
  METRICS_TOKEN: optionalString.pipe(
    z.string().min(16, "must be at least 16 characters").optional(),
  ),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  // Vapi end-of-call reports for long calls reach hundreds of KB (protocol reference §9.4).
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * MIB),
  PUBLIC_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  // Slow or stalled clients (slowloris) cannot hold connections: see buildApp. The whole request
  // must arrive within 30 s: 10 MiB (BODY_LIMIT_BYTES) needs ~2.8 Mbit/s, far below what Vapi's
  // servers upload at, and Vapi stops waiting for a webhook after 20 s by default anyway.
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  // Headers are a few KB: 10 s is generous for any real client, and short for a slowloris.
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  // Must outlast a load balancer's idle timeout (AWS ALB 60 s), or the balancer may send a
  // request on a connection the server is closing at that moment (sporadic 502s).
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(72_000),

  VAPI_SECRET: commaList,
  VAPI_SECRET_HEADER: optionalString.pipe(headerName.optional()),
  VAPI_HMAC_SECRET: commaList,
  VAPI_HMAC_ALGORITHM: z.enum(["sha256", "sha512", "sha1"]).default("sha256"),
  VAPI_HMAC_SIGNATURE_HEADER: headerName.default("x-signature"),
  VAPI_HMAC_TIMESTAMP_HEADER: headerName.default("x-timestamp"),
  VAPI_HMAC_ENCODING: z.enum(["hex", "base64"]).default("hex"),
  VAPI_HMAC_PREFIX: z.string().default(""),
  VAPI_HMAC_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  VAPI_ALLOW_UNAUTHENTICATED: booleanFlag,

  // Vapi waits 7.5 s for an assistant-request (protocol reference §3.3); 2 s leaves room for
  // Vapi's own setup and a slow network while still failing over long before the hard limit.
  ASSISTANT_REQUEST_BUDGET_MS: z.coerce.number().int().min(50).max(7000).default(2000),
  TOOL_CALL_BUDGET_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  // Vapi gives up on a webhook after 20 s by default; a report that cannot be stored in 15 s
  // (a hanging database) gets a 503 that its backoffPlan retries, instead of a hung request.
  STORE_BUDGET_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  TENANT_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  TENANT_CACHE_MAX_ENTRIES: z.coerce.number().int().min(10).default(100_000),
  TENANT_CACHE_MAX_MB: z.coerce.number().min(1).max(65_536).default(64),
  TENANT_CHANGE_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),

  FALLBACK_ASSISTANT_ID: optionalString,
  FALLBACK_MESSAGE: z
    .string()
    .trim()
    .min(1)
    .default("Sorry, this number is not in service right now. Please try again later."),

  DEFAULT_MODEL: z.enum(OPENAI_MODELS).default("gpt-4o-mini"),
  DEFAULT_VOICE_PROVIDER: z.enum(["deepgram", "vapi", "11labs"]).default("deepgram"),
  // Deepgram Aura-2 "hyperion" is an Australian English voice, matching our first customers.
  DEFAULT_VOICE_ID: z.string().trim().min(1).default("hyperion"),

  // Background jobs (tenant notifications, retention). The web process runs workers too unless
  // RUN_WORKERS=false, so one `npm run demo` does everything; `frontdesk worker` runs them apart.
  RUN_WORKERS: booleanFlagDefaultTrue,
  // 8 attempts 2 s apart doubling: retries span about 4 minutes before a delivery is marked failed.
  JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  JOB_BACKOFF_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(2000),
  JOB_BACKOFF_MAX_MS: z.coerce.number().int().min(1).max(86_400_000).default(600_000),
  // How long a claimed job stays claimed without a heartbeat; a killed worker's job runs again
  // after this. Heartbeats renew it every third of it, so long jobs are never claimed twice.
  JOB_LEASE_MS: z.coerce.number().int().min(300).max(3_600_000).default(30_000),
  JOB_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  JOB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  // Standard Webhooks receivers are expected to answer quickly; 10 s is generous.
  NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(10_000),
  RETENTION_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3600),
});

export type Env = z.input<typeof EnvSchema>;

export interface Config {
  readonly nodeEnv: "development" | "production" | "test";
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly sqliteCheckpoints: "background" | "inline";
  /** Threads reading large webhook bodies; 0 reads them on the event loop. */
  readonly webhookReadThreads: number;
  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string;
  readonly adminToken: string | undefined;
  readonly metricsToken: string | undefined;
  readonly logLevel: string;
  readonly bodyLimitBytes: number;
  readonly publicUrl: string | undefined;
  readonly http: HttpTimeoutsConfig;
  readonly auth: WebhookAuthConfig;
  readonly assistantRequestBudgetMs: number;
  readonly toolCallBudgetMs: number;
  /** Whole-webhook budget for messages we store (reports, status updates). */
  readonly storeBudgetMs: number;
  readonly tenantCache: {
    readonly ttlSeconds: number;
    readonly maxEntries: number;
    /** Estimated heap the cached tenants may take, in bytes. */
    readonly maxBytes: number;
    /** Without Redis: how often each process reads other processes' tenant changes. */
    readonly changePollMs: number;
  };
  readonly fallback: { readonly assistantId: string | undefined; readonly message: string };
  /** Used for tenants whose document does not choose a model or voice. */
  readonly defaults: { readonly model: Model; readonly voice: Voice };
  /** Whether this process also runs the job workers (the `worker` command always does). */
  readonly runWorkers: boolean;
  readonly jobs: JobsConfig;
  readonly notifyTimeoutMs: number;
  readonly retentionIntervalSeconds: number;
}

/** Node HTTP server limits on slow clients (see buildApp). */
export interface HttpTimeoutsConfig {
  /** Receiving a whole request (headers and body). Never less than headersTimeoutMs. */
  readonly requestTimeoutMs: number;
  /** Receiving a request's headers, from its first byte (or the connection's start). */
  readonly headersTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  readonly keepAliveTimeoutMs: number;
}

export interface JobsConfig {
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly leaseMs: number;
  readonly pollIntervalMs: number;
  readonly concurrency: number;
}

export interface WebhookAuthConfig {
  readonly secrets: readonly string[];
  readonly secretHeader: string | undefined;
  readonly hmac: {
    readonly secrets: readonly string[];
    readonly algorithm: "sha256" | "sha512" | "sha1";
    readonly signatureHeader: string;
    readonly timestampHeader: string;
    readonly encoding: "hex" | "base64";
    readonly prefix: string;
    readonly toleranceSeconds: number;
  };
  readonly allowUnauthenticated: boolean;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/**
 * Validates the environment once and returns a deep-frozen Config.
 * Pure: reads only the object it is given (main.ts passes `process.env`, tests pass literals).
 * @throws ConfigError listing every problem at once.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(env);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join(".") || "(env)"}: ${issue.message}`);
  // Checks across variables still run when unrelated variables are bad, so one error lists all.
  const crossChecked = parsed.success ? parsed.data : CrossCheckedSchema.safeParse(env).data;
  const voice = crossChecked === undefined ? undefined : checkAcross(crossChecked, problems);
  checkHttpTimeouts(env, problems);
  if (!parsed.success || problems.length > 0 || voice === undefined) {
    throw new ConfigError(problems);
  }
  const e = parsed.data;

  return deepFreeze({
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    sqliteCheckpoints: e.SQLITE_CHECKPOINTS,
    webhookReadThreads: e.WEBHOOK_READ_THREADS,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    adminToken: e.ADMIN_TOKEN,
    metricsToken: e.METRICS_TOKEN,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ""),
    http: {
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    auth: {
      secrets: e.VAPI_SECRET,
      secretHeader: e.VAPI_SECRET_HEADER,
      hmac: {
        secrets: e.VAPI_HMAC_SECRET,
        algorithm: e.VAPI_HMAC_ALGORITHM,
        signatureHeader: e.VAPI_HMAC_SIGNATURE_HEADER,
        timestampHeader: e.VAPI_HMAC_TIMESTAMP_HEADER,
        encoding: e.VAPI_HMAC_ENCODING,
        prefix: e.VAPI_HMAC_PREFIX,
        toleranceSeconds: e.VAPI_HMAC_TOLERANCE_SECONDS,
      },
      allowUnauthenticated: e.VAPI_ALLOW_UNAUTHENTICATED,
    },
    assistantRequestBudgetMs: e.ASSISTANT_REQUEST_BUDGET_MS,
    toolCallBudgetMs: e.TOOL_CALL_BUDGET_MS,
    storeBudgetMs: e.STORE_BUDGET_MS,
    tenantCache: {
      ttlSeconds: e.TENANT_CACHE_TTL_SECONDS,
      maxEntries: e.TENANT_CACHE_MAX_ENTRIES,
      maxBytes: Math.round(e.TENANT_CACHE_MAX_MB * 1024 * 1024),
      changePollMs: e.TENANT_CHANGE_POLL_MS,
    },
    fallback: { assistantId: e.FALLBACK_ASSISTANT_ID, message: e.FALLBACK_MESSAGE },
    defaults: { model: { provider: "openai", model: e.DEFAULT_MODEL }, voice },
    runWorkers: e.RUN_WORKERS,
    jobs: {
      maxAttempts: e.JOB_MAX_ATTEMPTS,
      backoffBaseMs: e.JOB_BACKOFF_BASE_MS,
      backoffMaxMs: e.JOB_BACKOFF_MAX_MS,
      leaseMs: e.JOB_LEASE_MS,
      pollIntervalMs: e.JOB_POLL_INTERVAL_MS,
      concurrency: e.JOB_CONCURRENCY,
    },
    notifyTimeoutMs: e.NOTIFY_TIMEOUT_MS,
    retentionIntervalSeconds: e.RETENTION_INTERVAL_SECONDS,
  });
}

const CrossCheckedSchema = EnvSchema.pick({
  NODE_ENV: true,
  VAPI_SECRET: true,
  VAPI_HMAC_SECRET: true,
  VAPI_ALLOW_UNAUTHENTICATED: true,
  DEFAULT_VOICE_PROVIDER: true,
  DEFAULT_VOICE_ID: true,
});

/** Rules spanning several variables; pushes onto `problems`, returns the default voice if valid. */
function checkAcross(
  e: z.output<typeof CrossCheckedSchema>,
  problems: string[],
): Voice | undefined {
  const voice = VoiceSchema.safeParse({
    provider: e.DEFAULT_VOICE_PROVIDER,
    voiceId: e.DEFAULT_VOICE_ID,
    ...(e.DEFAULT_VOICE_PROVIDER === "deepgram" ? { model: "aura-2" } : {}),
  });
  if (!voice.success) {
    problems.push(
      `DEFAULT_VOICE_ID: "${e.DEFAULT_VOICE_ID}" is not a ${e.DEFAULT_VOICE_PROVIDER} voice`,
    );
  }
  const authConfigured = e.VAPI_SECRET.length > 0 || e.VAPI_HMAC_SECRET.length > 0;
  if (e.NODE_ENV === "production" && !authConfigured && !e.VAPI_ALLOW_UNAUTHENTICATED) {
    problems.push(
      "VAPI_SECRET / VAPI_HMAC_SECRET: neither is set; refusing to accept unauthenticated webhooks in production (set VAPI_ALLOW_UNAUTHENTICATED=true to override)",
    );
  }
  return voice.data;
}

const HttpTimeoutsSchema = EnvSchema.pick({
  HTTP_REQUEST_TIMEOUT_MS: true,
  HTTP_HEADERS_TIMEOUT_MS: true,
});

/** Node refuses a headers timeout longer than the request timeout it is part of. */
function checkHttpTimeouts(env: Record<string, string | undefined>, problems: string[]): void {
  const timeouts = HttpTimeoutsSchema.safeParse(env).data;
  if (timeouts === undefined) return;
  if (timeouts.HTTP_HEADERS_TIMEOUT_MS > timeouts.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push(
      `HTTP_HEADERS_TIMEOUT_MS: ${timeouts.HTTP_HEADERS_TIMEOUT_MS} must not exceed HTTP_REQUEST_TIMEOUT_MS (${timeouts.HTTP_REQUEST_TIMEOUT_MS})`,
    );
  }
}

/** True when at least one global webhook credential is configured. */
export function isWebhookAuthConfigured(auth: WebhookAuthConfig): boolean {
  return auth.secrets.length > 0 || auth.hmac.secrets.length > 0;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** For process entries: the configuration, or every problem on stderr and exit code 1. */
export function loadConfigOrExit(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
