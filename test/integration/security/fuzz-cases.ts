import fc from "fast-check";
import { MESSAGE_TYPES } from "../../../src/vapi/messages.js";
import { assistantRequest, toolCalls, type ToolCallSpec } from "../../fixtures/vapi/builders.js";
import {
  flatToolCallList,
  functionCall,
  knowledgeBaseRequest,
  toolCallsOnly,
  toolWithToolCallListOnly,
  transferDestinationRequest,
  type Turn,
} from "../../fixtures/vapi/conversation.js";
import { endOfCallReport, failedEarlyReport } from "../../fixtures/vapi/end-of-call-report.js";
import { informationalMessage } from "../../fixtures/vapi/informational.js";
import { statusUpdate } from "../../fixtures/vapi/status-update.js";
import { signHmac } from "../../helpers/sign.js";

/*
 * Random and mutated Vapi webhooks for property-based tests (fast-check). A case starts from a
 * realistic payload built by test/fixtures/vapi (or from random JSON), applies a few structural
 * mutations (wrong types, nulls, numbers as strings, huge strings and arrays, deep nesting,
 * prototype keys at any level, odd message types), then a byte-level one (invalid UTF-8,
 * control bytes, truncation, a BOM), and chooses the credentials and content type. The request
 * is a pure function of the generated case (and the clock), so a failing seed replays.
 * Shared by the CI suite (webhook-fuzz.test.ts) and the long run (bench/fuzz-long.ts).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Container = { [key: string]: Json } | Json[];

/** The tenant and credentials the fuzzed calls are addressed to. */
export interface FuzzTarget {
  tenantId: string;
  vapiPhoneNumberId: string;
  number: string;
  hmacSecret: string;
  /** Local date (YYYY-MM-DD) the date-taking tools are pointed at. */
  day: string;
}

/** Sentinel property the prototype-key mutations try to plant on Object.prototype. */
export const POLLUTION_MARKER = "fuzzPolluted";

const BASES = [
  "assistant-request",
  "tool-calls",
  "tool-calls-openai",
  "tool-calls-flat",
  "tool-calls-tool-with-tool-call",
  "function-call",
  "status-update",
  "status-update-ended",
  "end-of-call-report",
  "failed-early-report",
  "knowledge-base-request",
  "transfer-destination-request",
  "hang",
  "transcript",
  "conversation-update",
  "speech-update",
  "random-message",
  "random-json",
] as const;
type Base = (typeof BASES)[number];

export type Mutation =
  | { kind: "replace"; at: number; value: Json }
  | { kind: "odd-string"; at: number; value: string }
  | { kind: "null"; at: number }
  | { kind: "number-as-string"; at: number }
  | { kind: "delete"; at: number }
  | { kind: "prototype-key"; at: number; key: "__proto__" | "constructor" | "prototype" }
  | { kind: "odd-key"; at: number; key: string; value: Json }
  | { kind: "huge-string"; at: number; unit: string; repeat: number }
  | { kind: "huge-array"; at: number; item: Json; length: number }
  | { kind: "deep"; at: number; depth: number; shape: "object" | "array" }
  | { kind: "retype"; type: string };

export type RawMutation =
  | { kind: "none" }
  | { kind: "invalid-utf8"; at: number; bytes: number[] }
  | { kind: "control-bytes"; at: number; bytes: number[] }
  | { kind: "truncate"; keepPerMille: number }
  | { kind: "bom" };

export type AuthChoice = "hmac" | "none" | "wrong-key" | "stale-timestamp" | "tampered";

export interface FuzzCase {
  base: Base;
  callId: string;
  toolCallIds: string[];
  callerNumber: string | null;
  argsAsText: boolean;
  random: Json;
  mutations: Mutation[];
  raw: RawMutation;
  auth: AuthChoice;
  contentType: string;
}

export interface FuzzRequest {
  body: Buffer;
  headers: Record<string, string>;
  /** Whether the credentials sent are valid (a signature over exactly these bytes, in time). */
  authentic: boolean;
  /** Whether the content type is one the webhook accepts. */
  jsonContentType: boolean;
}

const ODD_TYPES = [
  "brand-new-event",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "TOOL-CALLS",
  " tool-calls",
  "x".repeat(201),
];

// Strings that exercise encodings, JSON escapes, line breaks (tool results must stay on one
// line), PostgreSQL's refusal of NUL, lone surrogates and markup.
const STRING_UNITS = [
  "x",
  "é",
  "😀",
  "\n",
  "\r\n",
  "\u2028",
  "\u0000",
  "\ud800",
  '"',
  "\\",
  "<script>",
  " ",
  "\t",
  "0",
];

const JSON_CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/vnd.vapi+json",
];
const OTHER_CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded"];

const stringWithOddUnits = fc
  .array(fc.oneof(fc.constantFrom(...STRING_UNITS), fc.string({ unit: "binary", maxLength: 8 })), {
    maxLength: 8,
  })
  .map((parts) => parts.join(""));

/** A small JSON value of any type, biased towards the kinds of wrong value that break code. */
const oddValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, -0, 0.5, "", "42", "-1", "1e3", [], {}),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  stringWithOddUnits,
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("replace"), at: fc.nat(), value: oddValue }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("odd-string"),
      at: fc.nat(),
      value: stringWithOddUnits,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("null"), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("number-as-string"), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete"), at: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("prototype-key"),
      at: fc.nat(),
      key: fc.constantFrom("__proto__", "constructor", "prototype"),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("odd-key"),
      at: fc.nat(),
      key: fc.constantFrom(
        "type",
        "id",
        "tenantId",
        "tenant_id",
        "toString",
        "valueOf",
        "hasOwnProperty",
        "__defineGetter__",
        "",
      ),
      value: oddValue,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("huge-string"),
      at: fc.nat(),
      unit: fc.constantFrom(...STRING_UNITS),
      repeat: fc.integer({ min: 1_000, max: 200_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("huge-array"),
      at: fc.nat(),
      item: fc.constantFrom<Json>(null, 0, "", {}, [], "x", { id: "a" }),
      length: fc.integer({ min: 100, max: 20_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("deep"),
      at: fc.nat(),
      depth: fc.integer({ min: 50, max: 20_000 }),
      shape: fc.constantFrom("object", "array"),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("retype"),
      type: fc.constantFrom(...MESSAGE_TYPES, ...ODD_TYPES),
    }),
  },
);

const rawMutation: fc.Arbitrary<RawMutation> = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ kind: "none" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("invalid-utf8"),
      at: fc.nat(),
      bytes: fc.array(
        fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xc3, 0xe2, 0xed, 0xa0, 0xf0, 0xf5, 0xfe, 0xff),
        { minLength: 1, maxLength: 6 },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("control-bytes"),
      at: fc.nat(),
      bytes: fc.array(fc.integer({ min: 0, max: 0x1f }), { minLength: 1, maxLength: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("truncate"),
      keepPerMille: fc.integer({ min: 0, max: 999 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "bom" as const }) },
);

/** Every generated webhook; `mutationsMax` bounds how many structural mutations one case gets. */
export function fuzzCaseArbitrary(options: { mutationsMax?: number } = {}): fc.Arbitrary<FuzzCase> {
  return fc.record({
    base: fc.constantFrom(...BASES),
    callId: fc.uuid(),
    toolCallIds: fc.array(
      fc.oneof(
        fc.stringMatching(/^call_[a-f0-9]{24}$/),
        fc.constantFrom("call_same", "", "a".repeat(300)),
      ),
      { minLength: 1, maxLength: 6 },
    ),
    callerNumber: fc.constantFrom("+61491570156", "0491 570 156", "anonymous", "", null),
    argsAsText: fc.boolean(),
    random: fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>,
    mutations: fc.array(mutation, { maxLength: options.mutationsMax ?? 4 }),
    raw: rawMutation,
    auth: fc.oneof(
      { weight: 16, arbitrary: fc.constant<AuthChoice>("hmac") },
      {
        weight: 1,
        arbitrary: fc.constantFrom<AuthChoice>("none", "wrong-key", "stale-timestamp", "tampered"),
      },
    ),
    contentType: fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...JSON_CONTENT_TYPES) },
      { weight: 1, arbitrary: fc.constantFrom(...OTHER_CONTENT_TYPES) },
    ),
  });
}

/** The bytes and headers of a case, signed for `target` unless the case asks otherwise. */
export function renderFuzzCase(fuzzCase: FuzzCase, target: FuzzTarget, nowMs: number): FuzzRequest {
  const root = baseBody(fuzzCase, target);
  const deepPlaceholders: { marker: string; text: string }[] = [];
  for (const [index, step] of fuzzCase.mutations.entries()) {
    applyMutation(root, step, index, deepPlaceholders);
  }
  let text = JSON.stringify(root.value);
  // Deep nesting is spliced in as text: JSON.stringify itself recurses and would overflow.
  for (const { marker, text: nested } of deepPlaceholders) {
    text = text.replace(JSON.stringify(marker), () => nested);
  }
  const body = applyRawMutation(Buffer.from(text, "utf8"), fuzzCase.raw);
  const timestamp = Math.floor(nowMs / 1000);
  const headers: Record<string, string> = { "content-type": fuzzCase.contentType };
  switch (fuzzCase.auth) {
    case "hmac":
      Object.assign(headers, signHmac(body, { secret: target.hmacSecret, timestamp }));
      break;
    case "wrong-key":
      Object.assign(headers, signHmac(body, { secret: `${target.hmacSecret}-not`, timestamp }));
      break;
    case "stale-timestamp":
      Object.assign(
        headers,
        signHmac(body, { secret: target.hmacSecret, timestamp: timestamp - 3600 }),
      );
      break;
    case "tampered":
      Object.assign(
        headers,
        signHmac(Buffer.concat([body, Buffer.from(" ")]), { secret: target.hmacSecret, timestamp }),
      );
      break;
    case "none":
      break;
  }
  return {
    body,
    headers,
    authentic: fuzzCase.auth === "hmac",
    jsonContentType: JSON_CONTENT_TYPES.includes(fuzzCase.contentType),
  };
}

function realisticArgs(name: string, day: string): Record<string, unknown> {
  switch (name) {
    case "create_lead":
      return {
        name: "Ana Lima",
        callbackNumber: "0491 570 156",
        service: "Blocked drains",
        urgency: "this-week",
        suburb: "Newtown",
        notes: "Water is backing up in the laundry.",
      };
    case "check_availability":
      return { date: day };
    case "book_appointment":
      return { start: `${day} 13:00`, name: "Ana Lima", service: "Blocked drains" };
    case "take_message":
      return { message: "Please call back about the quote.", name: "Ana Lima" };
    default:
      return { question: "What is your call-out fee?" };
  }
}

const TOOL_NAMES = [
  "create_lead",
  "check_availability",
  "book_appointment",
  "take_message",
  "answer_question",
  "not_a_tool",
];

const TURNS: Turn[] = [
  { role: "assistant", text: "Thanks for calling, how can I help?" },
  { role: "user", text: "There's a gas smell in the kitchen. What is your call-out fee?" },
];

/** The unmutated payload, as plain JSON (a holder so that the root itself can be replaced). */
function baseBody(fuzzCase: FuzzCase, target: FuzzTarget): { value: Json } {
  const parties = {
    vapiPhoneNumberId: target.vapiPhoneNumberId,
    number: target.number,
    callId: fuzzCase.callId,
    ...(fuzzCase.callerNumber === null ? {} : { callerNumber: fuzzCase.callerNumber }),
  };
  const specs: ToolCallSpec[] = fuzzCase.toolCallIds.map((id, index) => {
    const name = TOOL_NAMES[index % TOOL_NAMES.length] ?? "create_lead";
    const args = realisticArgs(name, target.day);
    return { id, name, args: fuzzCase.argsAsText ? JSON.stringify(args) : args };
  });
  const built = ((base: Base): unknown => {
    switch (base) {
      case "assistant-request":
        return assistantRequest(parties);
      case "tool-calls":
        return toolCalls(parties, specs, target.tenantId);
      case "tool-calls-openai":
        return toolCallsOnly(parties, specs);
      case "tool-calls-flat":
        return flatToolCallList(parties, specs);
      case "tool-calls-tool-with-tool-call":
        return toolWithToolCallListOnly(parties, specs);
      case "function-call":
        return functionCall(parties, specs[0]?.name ?? "create_lead", specs[0]?.args ?? {});
      case "status-update":
        return statusUpdate(parties, "in-progress");
      case "status-update-ended":
        return statusUpdate(parties, "ended", { endedReason: "customer-ended-call" });
      case "end-of-call-report":
        return endOfCallReport(parties, { turns: 2 });
      case "failed-early-report":
        return failedEarlyReport(parties);
      case "knowledge-base-request":
        return knowledgeBaseRequest(parties, TURNS);
      case "transfer-destination-request":
        return transferDestinationRequest(parties, TURNS);
      case "hang":
      case "transcript":
      case "conversation-update":
      case "speech-update":
        return informationalMessage(base, parties);
      case "random-message":
        return { message: fuzzCase.random };
      case "random-json":
        return fuzzCase.random;
    }
  })(fuzzCase.base);
  // Through JSON once: fixtures may hold `undefined`, and mutations work on plain JSON only.
  return { value: JSON.parse(JSON.stringify(built ?? null)) as Json };
}

/** Where one value sits in a JSON tree: its parent and its key there. */
export interface Slot {
  parent: Container | { value: Json };
  key: string | number;
}

// Bounds the walk over huge arrays and deep nests that earlier mutations may have created.
const MAX_SLOTS = 20_000;

/** Every place a value sits, breadth first (iterative: earlier mutations may nest deeply). */
export function slotsOf(holder: { value: Json }): Slot[] {
  const slots: Slot[] = [{ parent: holder, key: "value" }];
  for (let index = 0; index < slots.length && slots.length < MAX_SLOTS; index += 1) {
    const slot = slots[index];
    if (slot === undefined) break;
    const value = read(slot);
    if (Array.isArray(value)) {
      for (let item = 0; item < value.length && slots.length < MAX_SLOTS; item += 1) {
        slots.push({ parent: value, key: item });
      }
    } else if (value !== null && typeof value === "object") {
      for (const key of Object.keys(value)) {
        if (slots.length >= MAX_SLOTS) break;
        slots.push({ parent: value, key });
      }
    }
  }
  return slots;
}

function read(slot: Slot): Json {
  return (slot.parent as Record<string | number, Json>)[slot.key] ?? null;
}

export function write(slot: Slot, value: Json): void {
  if (Array.isArray(slot.parent)) {
    slot.parent[slot.key as number] = value;
  } else {
    // An own data property even for "__proto__": assignment would call the prototype setter.
    Object.defineProperty(slot.parent, slot.key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

function pick<T>(items: readonly T[], at: number): T | undefined {
  return items.length === 0 ? undefined : items[at % items.length];
}

function objectsIn(holder: { value: Json }): { [key: string]: Json }[] {
  return slotsOf(holder)
    .map(read)
    .filter((value): value is { [key: string]: Json } => isObject(value));
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function applyMutation(
  holder: { value: Json },
  step: Mutation,
  index: number,
  deep: { marker: string; text: string }[],
): void {
  switch (step.kind) {
    case "retype": {
      const message = isObject(holder.value) ? holder.value.message : undefined;
      if (isObject(message)) message.type = step.type;
      return;
    }
    case "prototype-key":
    case "odd-key": {
      const target = pick(objectsIn(holder), step.at);
      if (target === undefined) return;
      const value =
        step.kind === "odd-key"
          ? structuredClone(step.value)
          : step.key === "constructor"
            ? { prototype: { [POLLUTION_MARKER]: "constructor" } }
            : { [POLLUTION_MARKER]: step.key, tenantId: "someone-else", isAdmin: true };
      write({ parent: target, key: step.key }, value);
      return;
    }
    default:
      break;
  }
  if (step.kind === "odd-string") {
    // Only where a string already is (transcripts, names, tool arguments): the value keeps its
    // type and travels further into the handlers and the database.
    const strings = slotsOf(holder).flatMap((candidate) => {
      const value = read(candidate);
      return typeof value === "string" ? [{ slot: candidate, value }] : [];
    });
    const chosen = pick(strings, step.at);
    if (chosen !== undefined) write(chosen.slot, `${chosen.value.slice(0, 20)}${step.value}`);
    return;
  }
  const slot = pick(slotsOf(holder), step.at);
  if (slot === undefined) return;
  switch (step.kind) {
    case "replace":
      // A copy: generated values (constants like `[]` above all) are shared between cases, and
      // later mutations change what they find in the tree.
      write(slot, structuredClone(step.value));
      return;
    case "null":
      write(slot, null);
      return;
    case "number-as-string": {
      const value = read(slot);
      write(slot, typeof value === "number" ? String(value) : JSON.stringify(value));
      return;
    }
    case "delete":
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else if (slot.parent !== holder) delete (slot.parent as Record<string, Json>)[slot.key];
      return;
    case "huge-string":
      write(slot, step.unit.repeat(step.repeat));
      return;
    case "huge-array":
      write(
        slot,
        Array.from({ length: step.length }, () => structuredClone(step.item)),
      );
      return;
    case "deep": {
      const marker = `__fuzz_deep_${index}__`;
      const [open, close] = step.shape === "object" ? ['{"a":', "}"] : ["[", "]"];
      deep.push({ marker, text: `${open.repeat(step.depth)}1${close.repeat(step.depth)}` });
      write(slot, marker);
      return;
    }
  }
}

function applyRawMutation(body: Buffer, raw: RawMutation): Buffer {
  switch (raw.kind) {
    case "none":
      return body;
    case "bom":
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]);
    case "truncate":
      return body.subarray(0, Math.floor((body.length * raw.keepPerMille) / 1000));
    case "invalid-utf8":
    case "control-bytes": {
      // Right after a quote: mostly inside a string value or key, where the JSON stays valid
      // for invalid UTF-8 (decoded as U+FFFD) and becomes invalid for raw control bytes.
      const quotes: number[] = [];
      for (let i = 0; i < body.length && quotes.length < 10_000; i += 1) {
        if (body[i] === 0x22) quotes.push(i + 1);
      }
      const at = pick(quotes, raw.at) ?? 0;
      return Buffer.concat([body.subarray(0, at), Buffer.from(raw.bytes), body.subarray(at)]);
    }
  }
}
