import sjson from "secure-json-parse";
import { ERROR_CATALOG } from "../../../src/errors.js";
import { MESSAGE_TYPES } from "../../../src/vapi/messages.js";
import { MAX_NESTING_DEPTH } from "../../../src/vapi/read-webhook-body.js";
import type { FuzzRequest } from "./fuzz-cases.js";

/*
 * The webhook's documented contract (README "Webhook contract", STYLE.md "Errors"), checked on
 * any request/response pair without knowing how the server works inside:
 * - statuses: 200, 400, 401, 413, 415 only (5xx would mean a crash or a fault of ours; the one
 *   documented 5xx, 503 for a storable event while the database is down, cannot happen here);
 * - every body is JSON; every error is exactly {error:{code,message,requestId}} with a code from
 *   the catalog and the request id echoed in x-request-id;
 * - which status follows from the request: foreign content type 415, over the limit 413, bad
 *   credentials 401, unparsable 400 BAD_JSON, no {message:{type}} or nested deeper than
 *   MAX_NESTING_DEPTH 400 INVALID_PAYLOAD, unknown type 200 {};
 * - a 200 has the shape of that message type's answer, and a tool-calls answer has exactly one
 *   result per answerable call (distinct non-empty ids, in order), each one line of text;
 * - U+0000 in a string is read as U+FFFD (PostgreSQL text cannot hold it), ids included.
 */

export interface WebhookAnswer {
  status: number;
  contentType: string | null;
  requestId: string | null;
  text: string;
}

export interface ContractOptions {
  bodyLimitBytes: number;
}

const KNOWN_TYPES = new Set<string>(MESSAGE_TYPES);
const LINE_BREAK = /[\r\n\u2028\u2029]/;

/** Contract violations, as sentences (empty when the answer is within the contract). */
export function checkWebhookAnswer(
  request: FuzzRequest,
  answer: WebhookAnswer,
  options: ContractOptions,
): string[] {
  const problems: string[] = [];
  const fail = (problem: string) => problems.push(problem);

  if (![200, 400, 401, 413, 415].includes(answer.status)) fail(`status ${answer.status}`);
  if (!/^application\/json/.test(answer.contentType ?? "")) {
    fail(`content-type ${String(answer.contentType)}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    fail(`body is not JSON: ${answer.text.slice(0, 200)}`);
    return problems;
  }

  // What the request must get: one parse of the body serves every rule below.
  const verdict = expectedVerdict(request, options);
  if (answer.status >= 400) {
    checkErrorBody(body, answer.requestId, fail);
    const code = (body as { error?: { code?: unknown } }).error?.code;
    if (verdict.kind === "rejection" && code !== verdict.code) {
      fail(`expected ${verdict.code}, got ${answer.status} ${String(code)}`);
    }
    if (verdict.kind === "bad-body" && code !== "BAD_JSON" && code !== "INVALID_PAYLOAD") {
      fail(`expected BAD_JSON or INVALID_PAYLOAD, got ${String(code)}`);
    }
    if (verdict.kind === "process") {
      // Only a known type can fail its own schema; an unknown type is always acknowledged.
      const type = verdict.message.type as string;
      if (!KNOWN_TYPES.has(type) || code !== "INVALID_PAYLOAD") {
        fail(`a well-formed "${type.slice(0, 40)}" envelope was rejected with ${String(code)}`);
      }
    }
    return problems;
  }

  if (verdict.kind !== "process") {
    fail(
      `expected ${verdict.kind === "rejection" ? verdict.code : "BAD_JSON or INVALID_PAYLOAD"}, got 200`,
    );
    return problems;
  }
  const type = verdict.message.type as string;
  if (!KNOWN_TYPES.has(type)) {
    if (!isEmptyObject(body)) fail(`unknown type "${type}" answered ${answer.text.slice(0, 200)}`);
    return problems;
  }
  checkAnswerShape(type, verdict.message, body, fail);
  return problems;
}

type Verdict =
  | { kind: "rejection"; code: "UNSUPPORTED_MEDIA_TYPE" | "PAYLOAD_TOO_LARGE" | "UNAUTHORIZED" }
  | { kind: "bad-body" }
  | { kind: "process"; message: Record<string, unknown> };

/** The rejection the request must get, or the message the server must process. */
function expectedVerdict(request: FuzzRequest, options: ContractOptions): Verdict {
  if (!request.jsonContentType) return { kind: "rejection", code: "UNSUPPORTED_MEDIA_TYPE" };
  if (request.body.length > options.bodyLimitBytes) {
    return { kind: "rejection", code: "PAYLOAD_TOO_LARGE" };
  }
  if (!request.authentic) return { kind: "rejection", code: "UNAUTHORIZED" };
  const message = envelopeOf(request.body);
  return message === undefined ? { kind: "bad-body" } : { kind: "process", message };
}

/**
 * `body.message` the way the documented parser reads it (prototype keys dropped, like Fastify's
 * JSON parser), when the body is `{message:{type}}` with a usable type; a tool-calls message
 * may leave out `type` when it carries a `toolCallList`.
 */
function envelopeOf(raw: Buffer): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = sjson.parse(raw, undefined, { protoAction: "remove", constructorAction: "remove" });
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || !isRecord(parsed.message)) return undefined;
  if (depthOf(parsed, MAX_NESTING_DEPTH) > MAX_NESTING_DEPTH) return undefined;
  if (raw.includes("\\u0000")) replaceNul(parsed);
  const message = parsed.message;
  const type =
    message.type === undefined && Array.isArray(message.toolCallList) ? "tool-calls" : message.type;
  if (typeof type !== "string" || type.length === 0 || type.length > 200) return undefined;
  return { ...message, type };
}

function checkErrorBody(body: unknown, requestId: string | null, fail: (p: string) => void) {
  const error = isRecord(body) ? body.error : undefined;
  if (!isRecord(body) || Object.keys(body).length !== 1 || !isRecord(error)) {
    fail(`error body is not {error:{…}}: ${JSON.stringify(body).slice(0, 200)}`);
    return;
  }
  const keys = Object.keys(error).sort().join(",");
  if (keys !== "code,message,requestId") fail(`error keys ${keys}`);
  if (typeof error.code !== "string" || !Object.hasOwn(ERROR_CATALOG, error.code)) {
    fail(`error code ${String(error.code)} is not in the catalog`);
  }
  if (typeof error.message !== "string" || error.message.length === 0) fail("empty error message");
  if (error.requestId !== requestId || requestId === null) fail("requestId does not match header");
}

function checkAnswerShape(
  type: string,
  message: Record<string, unknown>,
  body: unknown,
  fail: (p: string) => void,
): void {
  if (!isRecord(body)) {
    fail(`answer is not an object: ${JSON.stringify(body).slice(0, 200)}`);
    return;
  }
  const keys = Object.keys(body).sort().join(",");
  switch (type) {
    case "assistant-request":
      // A transient assistant, a saved one (with per-call overrides), or a spoken error.
      if (!["assistant", "assistantId", "assistantId,assistantOverrides", "error"].includes(keys)) {
        fail(`assistant-request keys ${keys}`);
      } else if (
        keys === "assistant"
          ? !isRecord(body.assistant)
          : typeof body[keys.split(",")[0] ?? ""] !== "string"
      ) {
        fail(`assistant-request answer ${JSON.stringify(body).slice(0, 200)}`);
      }
      return;
    case "tool-calls":
      checkToolResults(message, body, fail);
      return;
    case "function-call":
      if (keys !== "result" || !isOneLine(body.result)) fail(`function-call answer ${keys}`);
      return;
    case "transfer-destination-request": {
      if (keys === "error" && typeof body.error === "string") return;
      const destination = body.destination;
      if (
        keys !== "destination" ||
        !isRecord(destination) ||
        destination.type !== "number" ||
        typeof destination.number !== "string"
      ) {
        fail(`transfer answer ${JSON.stringify(body).slice(0, 200)}`);
      }
      return;
    }
    case "knowledge-base-request": {
      const documents = body.documents;
      if (keys !== "documents" || !Array.isArray(documents)) {
        fail(`knowledge-base answer keys ${keys}`);
        return;
      }
      for (const document of documents) {
        if (
          !isRecord(document) ||
          typeof document.content !== "string" ||
          typeof document.similarity !== "number"
        ) {
          fail(`knowledge-base document ${JSON.stringify(document).slice(0, 200)}`);
        }
      }
      return;
    }
    default:
      if (keys !== "") fail(`${type} answered ${JSON.stringify(body).slice(0, 200)}`);
  }
}

/**
 * Vapi matches results to calls by id and needs every call answered once: the answerable calls
 * are those of the first non-empty list (toolCallList, then toolWithToolCallList[].toolCall,
 * then toolCalls) with a non-empty id, each id once.
 */
export function answerableToolCallIds(message: Record<string, unknown>): string[] {
  const nonEmpty = (value: unknown): value is unknown[] => Array.isArray(value) && value.length > 0;
  const items: unknown[] = nonEmpty(message.toolCallList)
    ? message.toolCallList
    : nonEmpty(message.toolWithToolCallList)
      ? message.toolWithToolCallList.map((entry) => (isRecord(entry) ? entry.toolCall : undefined))
      : Array.isArray(message.toolCalls)
        ? message.toolCalls
        : [];
  const ids: string[] = [];
  for (const item of items) {
    const id = isRecord(item) ? item.id : undefined;
    if (typeof id === "string" && id.length > 0 && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

function checkToolResults(
  message: Record<string, unknown>,
  body: Record<string, unknown>,
  fail: (p: string) => void,
): void {
  const results = body.results;
  if (Object.keys(body).join(",") !== "results" || !Array.isArray(results)) {
    fail(`tool-calls answer ${JSON.stringify(body).slice(0, 200)}`);
    return;
  }
  const expectedIds = answerableToolCallIds(message);
  const ids = results.map((result) => (isRecord(result) ? result.toolCallId : undefined));
  if (JSON.stringify(ids) !== JSON.stringify(expectedIds)) {
    fail(`tool results for ${JSON.stringify(ids)}, calls were ${JSON.stringify(expectedIds)}`);
  }
  for (const result of results) {
    if (!isRecord(result)) continue;
    const hasResult = "result" in result;
    const hasError = "error" in result;
    if (hasResult === hasError) fail(`tool result needs exactly one of result/error`);
    const text = hasResult ? result.result : result.error;
    if (!isOneLine(text)) fail(`tool result is not one line of text: ${JSON.stringify(text)}`);
    if (typeof result.name !== "string") fail("tool result without a name");
  }
}

/**
 * Nesting depth of a JSON value (a scalar is 0, `{}` is 1), walked without recursion; stops
 * early once it is past `limit`.
 */
export function depthOf(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 1]];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const [node, depth] = entry;
    if (node === null || typeof node !== "object") continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) {
      if (child !== null && typeof child === "object") pending.push([child, depth + 1]);
    }
  }
  return deepest;
}

/** U+0000 → U+FFFD in every string value, in place. */
function replaceNul(value: object): void {
  const pending: object[] = [value];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = record[key];
      if (typeof child === "string") record[key] = child.replaceAll("\u0000", "\uFFFD");
      else if (child !== null && typeof child === "object") pending.push(child);
    }
  }
}

function isOneLine(value: unknown): boolean {
  return typeof value === "string" && value.trim().length > 0 && !LINE_BREAK.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isEmptyObject(value: unknown): boolean {
  return isRecord(value) && Object.keys(value).length === 0;
}
