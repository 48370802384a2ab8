import sjson from "secure-json-parse";
import type { DialedNumber } from "../tenants/resolve-tenant.js";
import { isKnownMessageType, MESSAGE_SCHEMAS, type MessageType } from "./messages.js";
import { prepareMessage } from "./prepared-messages.js";

/**
 * Real Vapi bodies nest about 20 levels (a tool's JSON Schema inside the echoed assistant). Far
 * deeper ones are not Vapi's, and code that recurses over a body (JSON.stringify when a report
 * is stored) overflows the stack at a few thousand levels: a 503 that every retry repeats.
 */
export const MAX_NESTING_DEPTH = 256;

/** What the pipeline needs of a message besides the message itself. */
export interface MessageFacts {
  type: string;
  /** The dialed number, read loosely before validation (the tenant comes from it). */
  dialed: DialedNumber | undefined;
  /** Web and chat calls have no number: our assistant's metadata names the tenant. */
  metadataTenantId: string | undefined;
}

/**
 * Everything the pipeline reads from a webhook's bytes, worked out in one pass and made of plain
 * data only, so that it can be computed on a worker thread and posted back (`body-reader.ts`).
 * No verdict is acted on here: the pipeline decides what to answer, in its own order
 * (credentials first), from these facts.
 */
export type BodyReading =
  | { kind: "bad-json" }
  | { kind: "too-deep" }
  | { kind: "not-an-envelope" }
  | ({ kind: "unknown-type" } & MessageFacts)
  | ({ kind: "invalid"; type: MessageType; path: string } & MessageFacts)
  | ({ kind: "message" } & ValidMessage & MessageFacts);

/**
 * A validated message of a known type, as its handler takes it (`PreparedOf` its type; the
 * router, which pairs them again, takes it as `unknown`).
 */
export interface ValidMessage {
  type: MessageType;
  message: unknown;
  callId: string | undefined;
  callerNumber: string | undefined;
}

/**
 * Parses the raw bytes safely, checks the `{message: {type}}` envelope, reads the dialed number
 * and validates the message against its type's schema; never throws for bad input.
 */
export function readWebhookBody(rawBody: Uint8Array): BodyReading {
  const bytes = Buffer.isBuffer(rawBody)
    ? rawBody
    : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
  let parsed: unknown;
  let shape: BodyShape;
  try {
    parsed = parseJson(bytes);
    shape = inspectBody(parsed, MAX_NESTING_DEPTH, true);
    // Keys that could poison a prototype are dropped as Fastify's own JSON parser drops them.
    // Looking for them in the parsed keys (on the walk the depth check makes anyway) instead of
    // scanning the bytes finds them however they are spelled, and costs nothing extra. The walk
    // stops at the depth limit, so a body too deep is judged by its bytes, as before.
    if (shape === "prototype-keys" || (shape === "too-deep" && couldSpellPrototypeKeys(bytes))) {
      parsed = sjson.parse(bytes, undefined, {
        protoAction: "remove",
        constructorAction: "remove",
      });
      shape = inspectBody(parsed, MAX_NESTING_DEPTH, false);
    }
  } catch {
    return { kind: "bad-json" };
  }
  // PostgreSQL text cannot hold U+0000, and JSON carries one only as the escape `\u0000`: in
  // such (rare) bodies it becomes U+FFFD before anything reads them, so a stray NUL in a
  // transcript, a number or a tool argument cannot become a database error and a 5xx.
  if (bytes.includes(NUL_ESCAPE)) parsed = replaceNulCharacters(parsed);
  if (shape === "too-deep") return { kind: "too-deep" };

  const rawMessage = readEnvelope(parsed);
  if (rawMessage === undefined) return { kind: "not-an-envelope" };
  const facts: MessageFacts = {
    type: rawMessage.type,
    dialed: readDialedNumber(rawMessage),
    metadataTenantId: asShortString(asRecord(asRecord(rawMessage.assistant)?.metadata)?.tenantId),
  };
  const type = rawMessage.type;
  if (!isKnownMessageType(type)) return { kind: "unknown-type", ...facts };

  const validated = MESSAGE_SCHEMAS[type].safeParse(rawMessage);
  if (!validated.success) {
    const path = validated.error.issues[0]?.path.join(".") ?? "message";
    return { kind: "invalid", ...facts, type, path };
  }
  const message = validated.data;
  return {
    kind: "message",
    ...facts,
    type,
    message: prepareMessage(type, message),
    callId: message.call?.id ?? undefined,
    callerNumber: message.customer?.number ?? message.call?.customer?.number ?? undefined,
  };
}

/** What one walk over a parsed body found. */
type BodyShape = "ok" | "too-deep" | "prototype-keys";

/**
 * Walks a parsed body once for the depth limit and, when `findPrototypeKeys` is set, for
 * `__proto__` or `constructor` keys (the body is then parsed again with those removed, and its
 * depth judged on what remains, as before). Returns at the first finding. Iterative: a
 * recursive walk would overflow on exactly the bodies it is meant to catch. Runs on every
 * webhook: `for...in` walks a parsed object without allocating an array per node (JSON.parse
 * gives plain objects, whose only enumerable properties are their own).
 */
function inspectBody(value: unknown, maxDepth: number, findPrototypeKeys: boolean): BodyShape {
  if (value === null || typeof value !== "object") return "ok";
  const nodes: object[] = [value];
  const depths: number[] = [1];
  for (let node = nodes.pop(); node !== undefined; node = nodes.pop()) {
    const depth = depths.pop() ?? 0;
    if (depth > maxDepth) return "too-deep";
    if (Array.isArray(node)) {
      for (const child of node as unknown[]) {
        if (child !== null && typeof child === "object") {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      const record = node as Record<string, unknown>;
      for (const key in record) {
        if (findPrototypeKeys && (key === "__proto__" || key === "constructor")) {
          return "prototype-keys";
        }
        const child = record[key];
        if (child !== null && typeof child === "object") {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return "ok";
}

const UNICODE_ESCAPE = Buffer.from("\\u");
const PROTO_KEY = Buffer.from("__proto__");
const CONSTRUCTOR_KEY = Buffer.from("constructor");

/** Whether the bytes could spell a `__proto__` or `constructor` key (possibly with `\u` escapes). */
function couldSpellPrototypeKeys(rawBody: Buffer): boolean {
  return (
    rawBody.includes(UNICODE_ESCAPE) ||
    rawBody.includes(PROTO_KEY) ||
    rawBody.includes(CONSTRUCTOR_KEY)
  );
}

const NUL_ESCAPE = Buffer.from("\\u0000");

/** JSON.parse of the raw bytes; a leading byte-order mark is accepted, as secure-json-parse accepts it. */
function parseJson(rawBody: Buffer): unknown {
  const text = rawBody.toString("utf8");
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
}

/** Replaces U+0000 in every string value, in place (iteratively: the depth is not checked yet). */
function replaceNulCharacters(value: unknown): unknown {
  if (typeof value === "string") return value.replaceAll("\u0000", "\uFFFD");
  const pending: unknown[] = [value];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (node === null || typeof node !== "object") continue;
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = record[key];
      if (typeof child === "string") {
        if (child.includes("\u0000")) record[key] = child.replaceAll("\u0000", "\uFFFD");
      } else if (child !== null && typeof child === "object") {
        pending.push(child);
      }
    }
  }
  return value;
}

/**
 * `{message: {type}}`, checked by hand rather than with a schema: the type's own schema
 * validates the message next, and one more schema pass would copy every message once more.
 * Vapi's SDK marks `type` optional on tool-calls: it is inferred when a tool-call list is present.
 */
function readEnvelope(parsed: unknown): (Record<string, unknown> & { type: string }) | undefined {
  const message = asRecord(asRecord(parsed)?.message);
  if (message === undefined) return undefined;
  if (message.type === undefined && Array.isArray(message.toolCallList)) {
    return { ...message, type: "tool-calls" };
  }
  const type = message.type;
  if (typeof type !== "string" || type.length === 0 || type.length > 200) return undefined;
  return message as Record<string, unknown> & { type: string };
}

/** Reads the dialed number loosely: the message has not been validated for its type yet. */
function readDialedNumber(message: Record<string, unknown>): DialedNumber | undefined {
  const phoneNumber = asRecord(message.phoneNumber);
  const vapiPhoneNumberId =
    asShortString(phoneNumber?.id) ?? asShortString(asRecord(message.call)?.phoneNumberId);
  const number = asShortString(phoneNumber?.number);
  return vapiPhoneNumberId !== undefined || number !== undefined
    ? { vapiPhoneNumberId, number }
    : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asShortString(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 && value.length <= 128 ? value : undefined;
}
