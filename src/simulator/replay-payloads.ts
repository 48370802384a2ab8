import { randomUUID } from "node:crypto";
import { describeAnswer } from "./describe-answer.js";
import type { SimulationEvent } from "./simulate-call.js";
import type { RequestSigner } from "./sign-request.js";
import { createWebhookClient } from "./webhook-client.js";

/** One captured payload, ready to send. */
export interface CapturedPayload {
  /** Where it came from, e.g. "report.json" or "calls.ndjson:3". */
  source: string;
  payload: { message: Record<string, unknown> };
  /** The exact bytes to send (the file's own text when it held a single payload). */
  rawBody: string;
}

/**
 * Reads captured payloads from a file's text. Accepted: one `{"message": {...}}` envelope; a bare
 * message `{"type": ...}` as the Vapi dashboard shows it (wrapped); a JSON array of either; or
 * one of either per line (NDJSON, e.g. lifted from a log).
 */
export function parseCapturedPayloads(
  text: string,
  source: string,
): { payloads: CapturedPayload[]; problems: string[] } {
  const whole = tryParse(text);
  if (whole.ok) {
    if (Array.isArray(whole.value)) {
      const items = whole.value as unknown[];
      return collect(items.map((value, index) => ({ value, source: `${source}[${index}]` })));
    }
    const one = toPayload(whole.value);
    if (one === undefined)
      return {
        payloads: [],
        problems: [`${source}: not a Vapi payload (expected {"message": {"type": …}})`],
      };
    const exact = isEnvelope(whole.value) ? text.trim() : JSON.stringify(one);
    return { payloads: [{ source, payload: one, rawBody: exact }], problems: [] };
  }
  const lines = text.split("\n").map((line, index) => ({ line: line.trim(), number: index + 1 }));
  const entries = lines.filter(({ line }) => line !== "");
  const parsed = entries.map(({ line, number }) => ({
    parsed: tryParse(line),
    source: `${source}:${number}`,
  }));
  const broken = parsed.filter((entry) => !entry.parsed.ok);
  if (entries.length === 0 || broken.length > 0) {
    return { payloads: [], problems: [`${source}: neither JSON nor one JSON document per line`] };
  }
  return collect(
    parsed.map((entry) => ({
      value: entry.parsed.ok ? entry.parsed.value : undefined,
      source: entry.source,
    })),
  );
}

export interface ReplayOptions {
  url: string;
  sign: RequestSigner;
  /** Give each captured call a new id, so stored calls are not deduplicated against earlier runs. */
  freshCallIds?: boolean | undefined;
  /** Point every payload at this dialed number (e.g. a local tenant's) instead of the captured one. */
  number?: string | undefined;
  timeoutMs?: number | undefined;
}

export interface ReplayReport {
  url: string;
  events: SimulationEvent[];
  violations: number;
}

/** Sends each payload in order, signed, and checks each answer against the protocol. */
export async function replayPayloads(
  payloads: readonly CapturedPayload[],
  options: ReplayOptions,
): Promise<ReplayReport> {
  const client = createWebhookClient({
    url: options.url,
    sign: options.sign,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const newIds = new Map<string, string>();
  const events: SimulationEvent[] = [];
  for (const captured of payloads) {
    const rewritten = rewrite(captured.payload, options, newIds);
    const rawBody = rewritten === captured.payload ? captured.rawBody : JSON.stringify(rewritten);
    const exchange = await client.sendRaw(rawBody, rewritten);
    events.push({
      kind: "exchange",
      label: `${exchange.type}  (${captured.source})`,
      exchange,
      details: describeAnswer(exchange),
    });
  }
  return {
    url: client.url,
    events,
    violations: events.reduce(
      (sum, event) => sum + (event.kind === "exchange" ? event.exchange.violations.length : 0),
      0,
    ),
  };
}

function rewrite(
  payload: CapturedPayload["payload"],
  options: ReplayOptions,
  newIds: Map<string, string>,
): CapturedPayload["payload"] {
  if (options.freshCallIds !== true && options.number === undefined) return payload;
  const message = { ...payload.message };
  const call = asRecord(message.call);
  if (call !== undefined) {
    const next = { ...call };
    if (options.freshCallIds === true && typeof call.id === "string") {
      const id = newIds.get(call.id) ?? randomUUID();
      newIds.set(call.id, id);
      next.id = id;
    }
    if (options.number !== undefined) next.phoneNumberId = null;
    message.call = next;
  }
  if (options.number !== undefined) {
    message.phoneNumber = {
      ...asRecord(message.phoneNumber),
      id: undefined,
      number: options.number,
    };
  }
  return { message };
}

function collect(items: readonly { value: unknown; source: string }[]) {
  const payloads: CapturedPayload[] = [];
  const problems: string[] = [];
  for (const { value, source } of items) {
    const payload = toPayload(value);
    if (payload === undefined)
      problems.push(`${source}: not a Vapi payload (expected {"message": {"type": …}})`);
    else payloads.push({ source, payload, rawBody: JSON.stringify(payload) });
  }
  return { payloads, problems };
}

function toPayload(value: unknown): CapturedPayload["payload"] | undefined {
  const record = asRecord(value);
  const message = asRecord(record?.message);
  if (message !== undefined && isMessage(message)) return { message };
  if (record !== undefined && isMessage(record)) return { message: record };
  return undefined;
}

/** Has a type, or is a tool-calls message without one (Vapi's SDK marks it optional there). */
function isMessage(value: Record<string, unknown>): boolean {
  return typeof value.type === "string" || Array.isArray(value.toolCallList);
}

function isEnvelope(value: unknown): boolean {
  return asRecord(asRecord(value)?.message) !== undefined;
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
