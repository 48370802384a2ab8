import { parentPort } from "node:worker_threads";
import type { ThreadMessage } from "./body-reader.js";
import { readWebhookBody } from "./read-webhook-body.js";

/*
 * A body reader thread (body-reader.ts): says it is ready, then reads each body it is sent and
 * posts back what the pipeline needs, with the id it came with.
 */
const port = parentPort;
if (port === null) throw new Error("body-reader-thread runs as a worker thread");

port.on("message", ({ id, body }: { id: number; body: Uint8Array }) => {
  let answer: ThreadMessage;
  try {
    answer = { id, reading: readWebhookBody(body) };
  } catch (error) {
    answer = { id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(answer);
});
const ready: ThreadMessage = { ready: true };
port.postMessage(ready);
