import { createHmac } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import pg from "pg";
import { createRedisTenantCache } from "../src/tenants/redis-tenant-cache.js";
import { assistantRequest } from "../test/fixtures/vapi/builders.js";
import type { StoreKind } from "./bench-stores.js";
import { createEndOfCallReportTemplate, type DialedTenant } from "./payloads/end-of-call-report.js";
import { createBodyTemplate, createIdSequence, placeholder } from "./payloads/body-template.js";
import { bulkDialed, bulkNumberCount, type BulkTenantSet } from "./payloads/bulk-tenants.js";
import {
  createAssistantRequestBody,
  createToolCallsTemplate,
  TOOL_CALL_IDS,
  TOOL_NAMES,
} from "./payloads/mid-call-bodies.js";
import { createMixedCallSteps, type MixedStepKind } from "./payloads/mixed-call.js";
import type { BaselineStack, WebhookSecrets } from "./start-frontdesk.js";

export const SCENARIO_NAMES = [
  "assistant-request-hot",
  "assistant-request-new-callers",
  "assistant-request-hot-10k",
  "assistant-request-cold",
  "assistant-request-hmac",
  "assistant-request-deadline",
  "tool-calls-two",
  "end-of-call-30kb",
  "end-of-call-500kb",
  "mixed-call",
  "baseline-fastify",
  "baseline-fastify-tool-calls",
  "baseline-fastify-end-of-call-30kb",
  "baseline-sqlite-tool-calls",
  "baseline-sqlite-end-of-call-30kb",
  "baseline-sqlite-tools-tool-calls",
  "baseline-required-tool-calls",
  "baseline-required-end-of-call-30kb",
  "baseline-node-http",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** The verdict on one response; `detail` is a short category that is counted per scenario. */
export type CheckResult = { ok: true; detail?: string } | { ok: false; problem: string };

export interface NextRequest {
  body: string;
  /** Values the answer must echo (tool-call ids), checked on sampled responses. */
  expected?: readonly string[];
}

/**
 * Per connection, for one pass over a scenario's steps (one call in `mixed-call`): the first
 * step puts the call id here and the later ones reuse it. Reset by the load generator on each
 * pass.
 */
export type CallState = Record<string, string | undefined>;

/** One kind of request a scenario sends; most scenarios have one, `mixed-call` a whole call. */
export interface ScenarioStep {
  label: string;
  /** True when every request gets a fresh body (unique ids); false when one body is reused. */
  dynamic: boolean;
  next(call: CallState): NextRequest;
  check(status: number, body: string, expected?: readonly string[]): CheckResult;
}

export interface PreparedScenario {
  headers: Record<string, string>;
  /** Sent in this order by every connection, over and over. */
  steps: readonly ScenarioStep[];
  /** Requests sent before the warm-up so the server's caches hold the working set. */
  primeRequests: number;
  /** Facts about what was sent, for the report (e.g. how many distinct numbers were dialed). */
  describe?(): string;
}

export interface ScenarioEnv {
  tenant: DialedTenant;
  secrets: WebhookSecrets;
  /** How long, in seconds, the prepared requests must stay valid (HMAC timestamps). */
  runSeconds: number;
  /** Server processes (cluster workers) the requests are spread over. */
  workers: number;
  /** The bulk tenant set, loaded for scenarios with `tenants: "bulk"`. */
  bulk: BulkTenantSet;
}

/** What `arrange` gets: the running server and the stores it uses. */
export interface ArrangeContext {
  url: string;
  headers: Record<string, string>;
  /** A body of the scenario's first step. */
  body: string;
  tenant: DialedTenant;
  workers: number;
  serverEnv: Readonly<Record<string, string>>;
}

export interface Scenario {
  name: ScenarioName;
  summary: string;
  target: "frontdesk" | "baseline";
  /** The baseline server's HTTP layer (bench/baseline-server.ts); default fastify. */
  baselineStack?: BaselineStack;
  defaultConnections: number;
  /** The performance goal, when there is one. */
  goal?: { minRequestsPerSecond?: number; maxP99Ms: number };
  /** "bulk": the database holds the 10,000-tenant set (a copy of a template made once). */
  tenants: "example" | "bulk";
  /** Combinations this scenario can run in; others are skipped (and said so in the report). */
  requires?: { store?: StoreKind; redis?: boolean; workers?: number };
  /** Extra server environment. */
  serverEnv?: Record<string, string>;
  /** Runs shorter than this (seconds) are lengthened: e.g. answers that take seconds each. */
  minDurationSeconds?: number;
  /** After the server started and before the load: changes the world; returns the undo. */
  arrange?(context: ArrangeContext): Promise<() => Promise<void>>;
  prepare(env: ScenarioEnv): PreparedScenario;
}

const JSON_HEADERS = { "content-type": "application/json" };

function secretHeaders(env: ScenarioEnv): Record<string, string> {
  return { ...JSON_HEADERS, "x-vapi-secret": env.secrets.secret };
}

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function nonOk(status: number, body: string): CheckResult {
  return { ok: false, problem: `HTTP ${status}: ${body.slice(0, 300)}` };
}

/**
 * A transient assistant with a system prompt that carries this call's context; with `expected`,
 * the assistant's name must contain expected[0] (the dialed tenant's name).
 */
function checkAssistant(status: number, body: string, expected?: readonly string[]): CheckResult {
  if (status !== 200) return nonOk(status, body);
  const answer = parseObject(body);
  const assistant = answer?.assistant as
    { name?: unknown; model?: { messages?: { content?: unknown }[] }; voice?: unknown } | undefined;
  const prompt = assistant?.model?.messages?.[0]?.content;
  if (
    typeof assistant?.name !== "string" ||
    typeof prompt !== "string" ||
    assistant.voice === undefined
  ) {
    return {
      ok: false,
      problem: `no assistant with a system prompt and voice: ${body.slice(0, 300)}`,
    };
  }
  if (prompt.includes("@@"))
    return { ok: false, problem: "call-context marker left in the prompt" };
  const tenantName = expected?.[0];
  if (tenantName !== undefined && !assistant.name.startsWith(`${tenantName} `)) {
    return { ok: false, problem: `assistant "${assistant.name}" is not ${tenantName}'s` };
  }
  // Bulk tenants differ only by their number: count them as one kind of answer.
  const name = assistant.name.replace(/\d+/g, "#");
  const kb = (body.length / 1024).toFixed(1);
  return { ok: true, detail: `assistant "${name}", ${kb} KB` };
}

/** One result per call, in order, each echoing its toolCallId; counts error entries. */
function checkToolResults(status: number, body: string, expected?: readonly string[]): CheckResult {
  if (status !== 200) return nonOk(status, body);
  const results = parseObject(body)?.results;
  if (!Array.isArray(results) || results.length !== TOOL_NAMES.length) {
    return { ok: false, problem: `expected ${TOOL_NAMES.length} results: ${body.slice(0, 300)}` };
  }
  const parts: string[] = [];
  for (const [index, entry] of (results as Record<string, unknown>[]).entries()) {
    if (expected !== undefined && entry.toolCallId !== expected[index]) {
      return {
        ok: false,
        problem: `result ${index} answers ${String(entry.toolCallId)}, not ${expected[index]}`,
      };
    }
    parts.push(
      typeof entry.error === "string"
        ? `${String(entry.name)}=error("${entry.error.slice(0, 80)}")`
        : `${String(entry.name)}=result`,
    );
  }
  return { ok: true, detail: parts.join(", ") };
}

/** Informational types are acknowledged with a JSON object and no error. */
function checkAcknowledged(status: number, body: string): CheckResult {
  if (status < 200 || status > 299) return nonOk(status, body);
  const answer = parseObject(body);
  if (answer === undefined || "error" in answer) {
    return { ok: false, problem: `not an acknowledgement: ${body.slice(0, 300)}` };
  }
  return { ok: true, detail: `HTTP ${status} ${body.slice(0, 60)}` };
}

/** A scenario whose every request is the same bytes. */
function staticBody(
  headers: Record<string, string>,
  body: string,
  check: ScenarioStep["check"],
  label = "request",
): PreparedScenario {
  return {
    headers,
    primeRequests: 0,
    steps: [{ label, dynamic: false, next: () => ({ body }), check }],
  };
}

/** The assistant-request of assistant-request-hot, to a baseline's fixed ~3 KB answer. */
function fixedAssistantAnswer(env: ScenarioEnv): PreparedScenario {
  return staticBody(
    { ...JSON_HEADERS },
    createAssistantRequestBody(env.tenant),
    (status, body) => {
      if (status !== 200) return nonOk(status, body);
      return parseObject(body)?.assistant === undefined
        ? { ok: false, problem: `no assistant: ${body.slice(0, 200)}` }
        : { ok: true, detail: `fixed answer, ${body.length} B` };
    },
    "request",
  );
}

const BASELINE_SUMMARY =
  "bare Fastify (bench/baseline-server.ts): default JSON parser, an answer of the size and shape frontdesk gives, no auth, no logging, no validation, no storage";
const BASELINE_SQLITE_SUMMARY =
  "bare Fastify plus the least storage any server can do before it acknowledges (bench/baseline-server.ts, BASELINE_STACK=fastify-sqlite): one prepared `insert or ignore` per report (the parts the issue names, no tenant, no rest of the report) or per tool call (its id, arguments and answer; no lead table, no index beyond the key), frontdesk's SQLite settings and group commit; no auth, no logging, no validation, no tenant lookup";
const BASELINE_SQLITE_TOOLS_SUMMARY =
  "the storing floor (BASELINE_STACK=fastify-sqlite) plus the least database work the two tools need, in the same batch (BASELINE_STACK=fastify-sqlite-tools): an upsert of the call's lead (one unique index) for create_lead, an indexed read of the day's bookings for check_availability; arguments unchecked, a fixed answer, no lead listing index, no notification, no slot arithmetic";
const BASELINE_REQUIRED_SUMMARY =
  "the required-work floor (bench/required-work-floor.ts, BASELINE_STACK=fastify-sqlite-required): all the work the issues require of a tool-calls message, done synchronously on better-sqlite3 with frontdesk's own pure code: the credentials (frontdesk's verifyWebhook), frontdesk's body reading and validation, the tenant from the dialed number, each tool's argument schema, create_lead's lead upsert on frontdesk's schema and its invocation row (one statement, inserted last), check_availability's bookings read and slot arithmetic; for a report, frontdesk's reading of it into its record and its upsert of the call's row; group commit, a log line and a histogram; no query builder, no promise per statement, no time budget per tool";
const BASELINE_REQUIRES = { store: "sqlite", redis: false, workers: 1 } as const;

/** Where a scenario's bodies go: frontdesk, or the bare baseline server on one of its stacks. */
type Receiver = "frontdesk" | BaselineStack;

/**
 * What differs when a frontdesk scenario's bodies go to the bare baseline server instead: its
 * summary, where it can run, and no credentials (the baseline checks none, but for the
 * required-work floor, which checks credentials as frontdesk does).
 */
function sentTo(receiver: Receiver, request: string) {
  if (receiver === "frontdesk") {
    return { fields: { target: receiver, summary: request }, headers: secretHeaders };
  }
  const summary =
    receiver === "fastify-sqlite"
      ? BASELINE_SQLITE_SUMMARY
      : receiver === "fastify-sqlite-tools"
        ? BASELINE_SQLITE_TOOLS_SUMMARY
        : receiver === "fastify-sqlite-required"
          ? BASELINE_REQUIRED_SUMMARY
          : BASELINE_SUMMARY;
  return {
    fields: {
      target: "baseline" as const,
      baselineStack: receiver,
      summary: `${summary}, sent the ${request}`,
      requires: BASELINE_REQUIRES,
    },
    headers:
      receiver === "fastify-sqlite-required"
        ? secretHeaders
        : (_env: ScenarioEnv): Record<string, string> => JSON_HEADERS,
  };
}

function toolCallsTwo(name: ScenarioName, to: Receiver = "frontdesk"): Scenario {
  const body =
    "tool-calls with create_lead + check_availability mid-call (history and assistant echo included); fresh call and toolCall ids per request";
  const receiver = sentTo(to, body);
  return {
    name,
    ...receiver.fields,
    tenants: "example",
    defaultConnections: 50,
    prepare(env) {
      const template = createToolCallsTemplate(env.tenant);
      const ids = createIdSequence();
      return {
        headers: receiver.headers(env),
        primeRequests: 0,
        steps: [
          {
            label: "tool-calls",
            dynamic: true,
            next() {
              const expected = [ids.toolCallId(), ids.toolCallId()];
              const body = template.render({
                CALL_ID: ids.callId(),
                [TOOL_CALL_IDS[0]]: expected[0] ?? "",
                [TOOL_CALL_IDS[1]]: expected[1] ?? "",
              });
              return { body, expected };
            },
            check: checkToolResults,
          },
        ],
      };
    },
  };
}

function endOfCall(
  name: ScenarioName,
  targetBytes: number,
  connections: number,
  to: Receiver = "frontdesk",
): Scenario {
  const body = `end-of-call-report of ~${Math.round(targetBytes / 1024)} KB (transcript, both message formats, costs, analysis, assistant echo); a new call id per request`;
  const receiver = sentTo(to, body);
  return {
    name,
    ...receiver.fields,
    tenants: "example",
    defaultConnections: connections,
    prepare(env) {
      const template = createEndOfCallReportTemplate({ tenant: env.tenant, targetBytes });
      const ids = createIdSequence();
      return {
        headers: receiver.headers(env),
        primeRequests: 0,
        steps: [
          {
            label: "end-of-call-report",
            dynamic: true,
            next: () => ({ body: template.render({ CALL_ID: ids.callId() }) }),
            check: checkAcknowledged,
          },
        ],
      };
    },
  };
}

/** assistant-request bodies for any number: the dialed number and call id are filled in. */
function createDialTemplate() {
  return createBodyTemplate(
    JSON.stringify(
      assistantRequest({
        vapiPhoneNumberId: placeholder("PHONE_NUMBER_ID"),
        number: placeholder("NUMBER"),
        callId: placeholder("CALL_ID"),
      }),
    ),
  );
}

/**
 * Dials bulk numbers in turn: `pick(n)` is the index of the n-th number dialed. Each body names
 * its tenant, whose assistant must answer.
 */
function dialBulkNumbers(
  env: ScenarioEnv,
  label: string,
  pick: (sent: number) => number,
): { step: ScenarioStep; sent: () => number } {
  const template = createDialTemplate();
  const ids = createIdSequence();
  let sent = 0;
  return {
    sent: () => sent,
    step: {
      label,
      dynamic: true,
      next() {
        const index = pick(sent);
        sent += 1;
        const dialed = bulkDialed(env.bulk, index, env.tenant.timezone);
        const tenantNumber = Math.floor(index / env.bulk.numbersPerTenant) + 1;
        return {
          body: template.render({
            PHONE_NUMBER_ID: dialed.vapiPhoneNumberId,
            NUMBER: dialed.number,
            CALL_ID: ids.callId(),
          }),
          expected: [`Bench Plumbing ${tenantNumber}`],
        };
      },
      check: checkAssistant,
    },
  };
}

// The busiest tenants: 20 % of the set. All 10,000 would take a priming pass of 10,000 cold
// lookups per worker before every run (about 30 s of server CPU each today).
const HOT_SET_TENANTS = 2000;

// Both budgets as the server's defaults, stated so the scenario does not depend on them.
const ASSISTANT_REQUEST_BUDGET_MS = 2000;

/**
 * The tenant's cached copy is made outdated while its store cannot answer: a PostgreSQL
 * transaction holds ACCESS EXCLUSIVE locks on `tenants` and `phone_numbers` (every read of them
 * waits), then the tenant is invalidated the way an edit is (its Redis entries deleted and a
 * change published). Every assistant-request then has to try the database, waits until its
 * deadline, and must be answered from the last known good copy.
 */
async function blockStoreAndInvalidate(context: ArrangeContext): Promise<() => Promise<void>> {
  const { serverEnv } = context;
  const databaseUrl = serverEnv.DATABASE_URL;
  const redisUrl = serverEnv.REDIS_URL;
  const keyPrefix = serverEnv.REDIS_KEY_PREFIX;
  if (databaseUrl === undefined || redisUrl === undefined || keyPrefix === undefined) {
    throw new Error("the deadline scenario needs PostgreSQL and Redis");
  }
  // Every worker must hold the tenant first: a new connection per request, so the cluster's
  // round-robin hands them to each worker in turn.
  for (let index = 0; index < context.workers * 4; index += 1) {
    const response = await fetch(`${context.url}/vapi/webhook`, {
      method: "POST",
      headers: { ...context.headers, connection: "close" },
      body: context.body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    const verdict = checkAssistant(response.status, text);
    if (!verdict.ok) throw new Error(`warming the tenant failed: ${verdict.problem}`);
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query("BEGIN");
  await client.query("LOCK TABLE tenants, phone_numbers IN ACCESS EXCLUSIVE MODE");
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on("error", () => undefined);
  try {
    const shared = createRedisTenantCache({ redis, keyPrefix, ttlSeconds: 300 });
    await shared.publishChange(context.tenant.tenantId);
  } finally {
    redis.disconnect();
  }
  // Pub/sub delivery to the server's subscriber takes a moment.
  await sleep(500);
  return async () => {
    await client.query("ROLLBACK").catch(() => undefined);
    await client.end();
  };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "assistant-request-hot",
    summary:
      "assistant-request for a known tenant's number (tenant cached after the first request), X-Vapi-Secret auth",
    target: "frontdesk",
    tenants: "example",
    defaultConnections: 50,
    goal: { minRequestsPerSecond: 20_000, maxP99Ms: 5 },
    prepare: (env) =>
      staticBody(
        secretHeaders(env),
        createAssistantRequestBody(env.tenant),
        checkAssistant,
        "assistant-request",
      ),
  },
  {
    name: "assistant-request-new-callers",
    summary:
      "assistant-request for a known tenant's number (cached) from a caller never seen before, a new number on every request: what most real calls are, since the returning-caller lookup then reads the database (leads and calls of this tenant) instead of its 30 s cache",
    target: "frontdesk",
    tenants: "example",
    defaultConnections: 50,
    goal: { minRequestsPerSecond: 20_000, maxP99Ms: 5 },
    prepare(env) {
      const template = createBodyTemplate(
        JSON.stringify(
          assistantRequest({
            vapiPhoneNumberId: env.tenant.vapiPhoneNumberId,
            number: env.tenant.number,
            callId: placeholder("CALL_ID"),
            callerNumber: placeholder("CALLER"),
          }),
        ),
      );
      const ids = createIdSequence();
      let sent = 0;
      return {
        headers: secretHeaders(env),
        steps: [
          {
            label: "assistant-request",
            dynamic: true,
            next() {
              sent += 1;
              // +61 4xx xxx xxx, a different mobile number per request (up to 10^8 of them).
              const caller = `+614${String(sent % 100_000_000).padStart(8, "0")}`;
              return { body: template.render({ CALL_ID: ids.callId(), CALLER: caller }) };
            },
            check: checkAssistant,
          },
        ],
        primeRequests: 0,
        describe: () => `${sent.toLocaleString("en-US")} requests, each from a new caller number`,
      };
    },
  },
  {
    name: "assistant-request-hot-10k",
    summary: `assistant-request with 10,000 tenants / 100,000 numbers in the database, dialing one number of each of the ${HOT_SET_TENANTS.toLocaleString("en-US")} busiest tenants in turn; they are cached by a priming pass before the warm-up`,
    target: "frontdesk",
    tenants: "bulk",
    defaultConnections: 50,
    goal: { minRequestsPerSecond: 20_000, maxP99Ms: 5 },
    prepare(env) {
      const hotSet = Math.min(HOT_SET_TENANTS, env.bulk.tenants);
      const dial = dialBulkNumbers(
        env,
        "assistant-request",
        (sent) => (sent % hotSet) * env.bulk.numbersPerTenant,
      );
      return {
        headers: secretHeaders(env),
        steps: [dial.step],
        // Each worker caches only what it was sent, and connections are spread over the
        // workers: with several, every number is sent a few times over (a number one worker
        // still misses is read during the warm-up).
        primeRequests: env.workers === 1 ? hotSet : hotSet * 2 * env.workers,
        describe: () =>
          `hot set: the first number of each of ${hotSet.toLocaleString("en-US")} tenants (of ${env.bulk.tenants.toLocaleString("en-US")}), in turn, primed with ${(env.workers === 1 ? hotSet : hotSet * 2 * env.workers).toLocaleString("en-US")} requests`,
      };
    },
  },
  {
    name: "assistant-request-cold",
    summary:
      "assistant-request for a number this server has never seen: 10,000 tenants / 100,000 numbers in the database and every request dials the next one, so each lookup misses the in-process cache (and Redis, when used) and reads the database; 10 connections",
    target: "frontdesk",
    tenants: "bulk",
    defaultConnections: 10,
    goal: { maxP99Ms: 10 },
    prepare(env) {
      const total = bulkNumberCount(env.bulk);
      const dial = dialBulkNumbers(env, "assistant-request", (sent) => sent % total);
      return {
        headers: secretHeaders(env),
        steps: [dial.step],
        primeRequests: 0,
        describe() {
          const sent = dial.sent();
          return sent <= total
            ? `${sent.toLocaleString("en-US")} distinct numbers dialed (of ${total.toLocaleString("en-US")}), each once: every lookup was cold`
            : `WARNING: ${sent.toLocaleString("en-US")} requests but only ${total.toLocaleString("en-US")} numbers; ${(sent - total).toLocaleString("en-US")} lookups repeated a number (possibly cached)`;
        },
      };
    },
  },
  {
    name: "assistant-request-hmac",
    summary:
      'the same assistant-request signed with HMAC-SHA256 over "{timestamp}.{body}" instead of a shared secret',
    target: "frontdesk",
    tenants: "example",
    defaultConnections: 50,
    prepare(env) {
      const body = createAssistantRequestBody(env.tenant);
      // Signed once, with a timestamp in the middle of the run so it stays inside the server's
      // ±300 s window for the whole run (run.ts caps runs below that).
      const timestamp = String(Math.floor(Date.now() / 1000) + Math.ceil(env.runSeconds / 2));
      const signature = createHmac("sha256", env.secrets.hmacSecret)
        .update(`${timestamp}.`)
        .update(body)
        .digest("hex");
      return staticBody(
        { ...JSON_HEADERS, "x-signature": signature, "x-timestamp": timestamp },
        body,
        checkAssistant,
        "assistant-request",
      );
    },
  },
  {
    name: "assistant-request-deadline",
    summary: `assistant-request while the tenant store is blocked: the tenant was cached, then invalidated (as by an edit) while a transaction holds exclusive locks on tenants and phone_numbers. Each request must be answered with the last known good assistant within ASSISTANT_REQUEST_BUDGET_MS (${ASSISTANT_REQUEST_BUDGET_MS} ms); PostgreSQL + Redis only`,
    target: "frontdesk",
    tenants: "example",
    defaultConnections: 50,
    goal: { maxP99Ms: ASSISTANT_REQUEST_BUDGET_MS },
    requires: { store: "postgres", redis: true },
    // Every answer takes the whole budget: a shorter run would complete no request.
    minDurationSeconds: 8,
    serverEnv: { ASSISTANT_REQUEST_BUDGET_MS: String(ASSISTANT_REQUEST_BUDGET_MS) },
    arrange: blockStoreAndInvalidate,
    prepare: (env) =>
      staticBody(
        secretHeaders(env),
        createAssistantRequestBody(env.tenant),
        checkAssistant,
        "assistant-request",
      ),
  },
  toolCallsTwo("tool-calls-two"),
  endOfCall("end-of-call-30kb", 30 * 1024, 50),
  // Long calls produce reports of hundreds of KB (protocol reference §9.4); fewer connections,
  // as Vapi sends one per finished call.
  endOfCall("end-of-call-500kb", 500 * 1024, 10),
  // The same bodies to the bare server: the stack's ceiling for these sizes, before any work.
  toolCallsTwo("baseline-fastify-tool-calls", "fastify"),
  endOfCall("baseline-fastify-end-of-call-30kb", 30 * 1024, 50, "fastify"),
  // And to the bare server that also stores them: the floor under issue 4's write targets.
  toolCallsTwo("baseline-sqlite-tool-calls", "fastify-sqlite"),
  endOfCall("baseline-sqlite-end-of-call-30kb", 30 * 1024, 50, "fastify-sqlite"),
  // And to the one that also does the tools' least database work: the floor under any server
  // that really records the lead and reads the bookings.
  toolCallsTwo("baseline-sqlite-tools-tool-calls", "fastify-sqlite-tools"),
  // And to one that does all the work the issues require of the message, without frontdesk's
  // layers: whether the target is out of reach for the work itself or for its architecture.
  toolCallsTwo("baseline-required-tool-calls", "fastify-sqlite-required"),
  endOfCall("baseline-required-end-of-call-30kb", 30 * 1024, 50, "fastify-sqlite-required"),
  {
    name: "mixed-call",
    summary:
      "whole calls replayed in order on every connection, a new call id per call: assistant-request, status-update in-progress, 6 conversation-updates, tool-calls (create_lead + check_availability), 2 conversation-updates, status-update ended, end-of-call-report (~30 KB): 13 requests per call",
    target: "frontdesk",
    tenants: "example",
    defaultConnections: 50,
    prepare(env) {
      const ids = createIdSequence();
      const checks: Record<MixedStepKind, ScenarioStep["check"]> = {
        "assistant-request": checkAssistant,
        "status-update": checkAcknowledged,
        "conversation-update": checkAcknowledged,
        "tool-calls": checkToolResults,
        "end-of-call-report": checkAcknowledged,
      };
      const steps = createMixedCallSteps(env.tenant).map((step, index): ScenarioStep => ({
        label: step.label,
        dynamic: true,
        next(call) {
          // The first message of a call opens it; the rest carry the same call id.
          if (index === 0 || call.callId === undefined) call.callId = ids.callId();
          if (step.kind !== "tool-calls") {
            return { body: step.template.render({ CALL_ID: call.callId }) };
          }
          const expected = [ids.toolCallId(), ids.toolCallId()];
          return {
            body: step.template.render({
              CALL_ID: call.callId,
              [TOOL_CALL_IDS[0]]: expected[0] ?? "",
              [TOOL_CALL_IDS[1]]: expected[1] ?? "",
            }),
            expected,
          };
        },
        check: checks[step.kind],
      }));
      return { headers: secretHeaders(env), steps, primeRequests: 0 };
    },
  },
  {
    name: "baseline-fastify",
    summary: `${BASELINE_SUMMARY}, sent the assistant-request body of assistant-request-hot; fixed ~3 KB answer`,
    target: "baseline",
    tenants: "example",
    defaultConnections: 50,
    requires: BASELINE_REQUIRES,
    prepare: fixedAssistantAnswer,
  },
  {
    name: "baseline-node-http",
    summary:
      "bare Node.js http (bench/baseline-server.ts with BASELINE_STACK=node-http): the body read and JSON.parse by hand, the same fixed ~3 KB answer as baseline-fastify, no framework at all: the floor under any Node.js server, for the same assistant-request body",
    target: "baseline",
    baselineStack: "node-http",
    tenants: "example",
    defaultConnections: 50,
    requires: BASELINE_REQUIRES,
    prepare: fixedAssistantAnswer,
  },
];
