import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { createBodyReader, type BodyReader } from "../../../src/vapi/body-reader.js";
import { readWebhookBody, type BodyReading } from "../../../src/vapi/read-webhook-body.js";
import { assistantRequest, toolCalls } from "../../fixtures/vapi/builders.js";
import {
  endOfCallReportOfSize,
  failedEarlyReport,
} from "../../fixtures/vapi/end-of-call-report.js";
import { informationalMessage } from "../../fixtures/vapi/informational.js";
import { statusUpdate } from "../../fixtures/vapi/status-update.js";

const parties = { vapiPhoneNumberId: "pn-1", number: "+61290000000", callId: "call-1" };

function nested(depth: number): unknown {
  let value: unknown = "leaf";
  for (let level = 0; level < depth; level += 1) value = { next: value };
  return value;
}

/** Bodies of every kind the pipeline tells apart, as bytes. */
const BODIES: Record<string, Buffer> = {
  "a tool-calls message": json(
    toolCalls(parties, [{ name: "create_lead", args: { name: "Sam", tenantId: "other" } }]),
  ),
  "a 30 KB end-of-call report": json(endOfCallReportOfSize(30 * 1024, parties)),
  "a report of a call that failed early": json(failedEarlyReport(parties)),
  "a status update": json(statusUpdate(parties, "in-progress")),
  "an assistant request": json(assistantRequest(parties)),
  "an informational message": json(informationalMessage("speech-update", parties)),
  "a type Vapi added later": json({ message: { type: "call.teleported", call: { id: "c" } } }),
  "a tool-calls message without a type": json({ message: { toolCallList: [] } }),
  "a known type that fails its schema": json({
    message: { type: "function-call", functionCall: { name: 7 } },
  }),
  "not JSON": Buffer.from('{"message": {"type": '),
  "JSON that is not an envelope": json([1, 2, 3]),
  "a body nested too deeply": json({ message: { type: "hang", extra: nested(300) } }),
  "prototype keys": Buffer.from(
    '{"message":{"type":"status-update","status":"ended","__proto__":{"polluted":true},' +
      '"call":{"id":"c","constructor":{"prototype":{"x":1}}}}}',
  ),
  "a NUL escape in a transcript": Buffer.from(
    JSON.stringify({
      message: {
        type: "end-of-call-report",
        call: { id: "c" },
        artifact: { transcript: "a\u0000b" },
      },
    }),
  ),
  "a byte-order mark": Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    json({ message: { type: "hang", call: { id: "c" } } }),
  ]),
};

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

let reader: BodyReader | undefined;
/** Every thread failure; a reading that fell back to the event loop would pass unnoticed. */
let fallbacks: unknown[] = [];
afterEach(async () => {
  await reader?.close();
  reader = undefined;
  fallbacks = [];
});

async function threadedReader(
  threads: number,
  bounds: { minThreadBytes?: number; maxThreadBytes?: number } = {},
): Promise<BodyReader> {
  const started = createBodyReader({
    threads,
    minThreadBytes: bounds.minThreadBytes ?? 0,
    ...(bounds.maxThreadBytes === undefined ? {} : { maxThreadBytes: bounds.maxThreadBytes }),
    onFallback: (error) => fallbacks.push(error),
  });
  await started.start();
  return started;
}

/** The promise of a body read on a thread; a reading done on the event loop fails the test. */
function onThread(reading: BodyReading | Promise<BodyReading>): Promise<BodyReading> {
  if (!(reading instanceof Promise)) throw new Error("the body was read on the event loop");
  return reading;
}

/** A thread that says it is ready, then dies at the first body it is given. */
const DIES_AT_FIRST_BODY = `
const { parentPort } = require("node:worker_threads");
parentPort.postMessage({ ready: true });
parentPort.on("message", () => process.exit(3));
`;

describe("createBodyReader", () => {
  it("reads every kind of body on a thread exactly as on the event loop", async () => {
    reader = await threadedReader(1);
    for (const [name, body] of Object.entries(BODIES)) {
      expect(await onThread(reader.read(body)), name).toEqual(readWebhookBody(body));
    }
    expect(fallbacks).toEqual([]);
  });

  it("answers each body with its own reading when many are in flight on several threads", async () => {
    reader = await threadedReader(2);
    const bodies = Array.from({ length: 40 }, (_, index) =>
      json(statusUpdate({ ...parties, callId: `call-${index}` }, "ringing")),
    );
    const started = reader;
    const readings = await Promise.all(bodies.map((body) => onThread(started.read(body))));
    expect(readings.map((reading) => (reading.kind === "message" ? reading.callId : "?"))).toEqual(
      bodies.map((_, index) => `call-${index}`),
    );
    expect(fallbacks).toEqual([]);
  });

  it("reads bodies below the lower bound or at the upper bound on the event loop, without a promise", async () => {
    reader = await threadedReader(1, { minThreadBytes: 1024, maxThreadBytes: 16 * 1024 });
    const small = BODIES["a status update"] as Buffer;
    const large = BODIES["a 30 KB end-of-call report"] as Buffer;
    const between = BODIES["a tool-calls message"] as Buffer;
    expect(small.byteLength).toBeLessThan(1024);
    expect(large.byteLength).toBeGreaterThanOrEqual(16 * 1024);
    expect(between.byteLength).toBeGreaterThanOrEqual(1024);
    expect(between.byteLength).toBeLessThan(16 * 1024);

    expect(reader.read(small)).toEqual(readWebhookBody(small));
    expect(reader.read(large)).toEqual(readWebhookBody(large));
    expect(await onThread(reader.read(between))).toEqual(readWebhookBody(between));
    expect(fallbacks).toEqual([]);
  });

  it("reads what a failed thread held on the event loop, says so once, and keeps reading there", async () => {
    reader = createBodyReader({
      threads: 1,
      minThreadBytes: 0,
      startThread: () => new Worker(DIES_AT_FIRST_BODY, { eval: true }),
      onFallback: (error) => fallbacks.push(error),
    });
    await reader.start();
    const body = BODIES["a tool-calls message"] as Buffer;
    const held = [onThread(reader.read(body)), onThread(reader.read(body))];
    expect(await Promise.all(held)).toEqual([readWebhookBody(body), readWebhookBody(body)]);
    expect(fallbacks).toHaveLength(1);
    expect(String(fallbacks[0])).toContain("exited with code 3");
    expect(reader.read(body)).not.toBeInstanceOf(Promise);
  });

  it("reads on the event loop while its thread is still starting", async () => {
    reader = createBodyReader({
      threads: 1,
      minThreadBytes: 0,
      // Alive, but never ready.
      startThread: () =>
        new Worker('require("node:worker_threads").parentPort.on("message", () => {});', {
          eval: true,
        }),
      onFallback: (error) => fallbacks.push(error),
    });
    const body = BODIES["a status update"] as Buffer;
    expect(reader.read(body)).toEqual(readWebhookBody(body));
    expect(reader.read(body)).not.toBeInstanceOf(Promise);
    expect(fallbacks).toEqual([]);
  });

  it("reads on the event loop once closed", async () => {
    reader = await threadedReader(1);
    const body = BODIES["a status update"] as Buffer;
    expect(await reader.read(body)).toEqual(readWebhookBody(body));
    await reader.close();
    expect(reader.read(body)).toEqual(readWebhookBody(body));
    expect(fallbacks).toEqual([]);
  });

  it("reads everything on the event loop with no threads", async () => {
    reader = await threadedReader(0);
    expect(reader.read(BODIES["a tool-calls message"] as Buffer)).not.toBeInstanceOf(Promise);
  });
});
