import { createHmac } from "node:crypto";
import { createEndOfCallReportTemplate, type DialedTenant } from "./payloads/end-of-call-report.js";
import { createIdSequence } from "./payloads/body-template.js";
import {
  createAssistantRequestBody,
  createToolCallsTemplate,
  TOOL_CALL_IDS,
  TOOL_NAMES,
} from "./payloads/mid-call-bodies.js";
import type { WebhookSecrets } from "./start-frontdesk.js";

export const SCENARIO_NAMES = [
  "assistant-request-hot",
  "assistant-request-hmac",
  "tool-calls-two",
  "end-of-call-30kb",
  "end-of-call-500kb",
  "baseline-fastify",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** The verdict on one response; `detail` is a short category that is counted per scenario. */
export type CheckResult = { ok: true; detail?: string } | { ok: false; problem: string };

export interface NextRequest {
  body: string;
  /** Values the answer must echo (tool-call ids), checked on sampled responses. */
  expected?: readonly string[];
}

export interface PreparedScenario {
  headers: Record<string, string>;
  /** True when every request gets a fresh body (unique ids); false when one body is reused. */
  dynamic: boolean;
  next(): NextRequest;
  check(status: number, body: string, expected?: readonly string[]): CheckResult;
}

export interface ScenarioEnv {
  tenant: DialedTenant;
  secrets: WebhookSecrets;
  /** How long, in seconds, the prepared requests must stay valid (HMAC timestamps). */
  runSeconds: number;
}

export interface Scenario {
  name: ScenarioName;
  summary: string;
  target: "frontdesk" | "baseline";
  defaultConnections: number;
  /** The performance goal, when there is one. */
  goal?: { minRequestsPerSecond: number; maxP99Ms: number };
  prepare(env: ScenarioEnv): PreparedScenario;
}

const JSON_HEADERS = { "content-type": "application/json" };

function secretHeaders(env: ScenarioEnv): Record<string, string> {
  return { ...JSON_HEADERS, "x-vapi-secret": env.secrets.secret };
}

function staticBody(
  headers: Record<string, string>,
  body: string,
  check: PreparedScenario["check"],
): PreparedScenario {
  return {
    headers,
    dynamic: false,
    next: () => ({ body }),
    check,
  };
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

/** A transient assistant with a system prompt that carries this call's context. */
function checkAssistant(status: number, body: string): CheckResult {
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
  return { ok: true, detail: `assistant "${assistant.name}", ${body.length} B` };
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

function endOfCall(name: ScenarioName, targetBytes: number, connections: number): Scenario {
  return {
    name,
    summary: `end-of-call-report of ~${Math.round(targetBytes / 1024)} KB (transcript, both message formats, costs, analysis, assistant echo); a new call id per request`,
    target: "frontdesk",
    defaultConnections: connections,
    prepare(env) {
      const template = createEndOfCallReportTemplate({ tenant: env.tenant, targetBytes });
      const ids = createIdSequence();
      return {
        headers: secretHeaders(env),
        dynamic: true,
        next: () => ({ body: template.render({ CALL_ID: ids.callId() }) }),
        check: checkAcknowledged,
      };
    },
  };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "assistant-request-hot",
    summary:
      "assistant-request for a known tenant's number (tenant cached after the first request), X-Vapi-Secret auth",
    target: "frontdesk",
    defaultConnections: 50,
    goal: { minRequestsPerSecond: 20_000, maxP99Ms: 5 },
    prepare: (env) =>
      staticBody(secretHeaders(env), createAssistantRequestBody(env.tenant), checkAssistant),
  },
  {
    name: "assistant-request-hmac",
    summary:
      'the same assistant-request signed with HMAC-SHA256 over "{timestamp}.{body}" instead of a shared secret',
    target: "frontdesk",
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
      );
    },
  },
  {
    name: "tool-calls-two",
    summary:
      "tool-calls with create_lead + check_availability mid-call (history and assistant echo included); fresh call and toolCall ids per request",
    target: "frontdesk",
    defaultConnections: 50,
    prepare(env) {
      const template = createToolCallsTemplate(env.tenant);
      const ids = createIdSequence();
      return {
        headers: secretHeaders(env),
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
      };
    },
  },
  endOfCall("end-of-call-30kb", 30 * 1024, 50),
  // Long calls produce reports of hundreds of KB (protocol reference §9.4); fewer connections,
  // as Vapi sends one per finished call.
  endOfCall("end-of-call-500kb", 500 * 1024, 10),
  {
    name: "baseline-fastify",
    summary:
      "bare Fastify (bench/baseline-server.ts): default JSON parser, fixed ~3 KB JSON answer, no auth, no logging",
    target: "baseline",
    defaultConnections: 50,
    prepare: (env) =>
      staticBody({ ...JSON_HEADERS }, createAssistantRequestBody(env.tenant), (status, body) => {
        if (status !== 200) return nonOk(status, body);
        return parseObject(body)?.assistant === undefined
          ? { ok: false, problem: `no assistant: ${body.slice(0, 200)}` }
          : { ok: true, detail: `fixed answer, ${body.length} B` };
      }),
  },
];
