import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { readWebhookBody, type BodyReading } from "./read-webhook-body.js";

/**
 * Bodies smaller than this are read on the event loop: handing one to a thread and back costs
 * the event loop ~10 µs, more than parsing a few KB does, and the cached assistant-request
 * (about 1-4 KB from Vapi) then keeps its answer free of any promise.
 */
export const DEFAULT_MIN_THREAD_BYTES = 8 * 1024;

/** The log line of a process whose body reader thread failed. */
export const BODY_READER_FALLBACK_MESSAGE =
  "webhook body reader thread stopped; reading every body on the event loop (WEBHOOK_READ_THREADS)";

/**
 * Bodies this long or longer are read on the event loop too: on a thread a body exists twice
 * (the copy posted to it, and the strings posted back while the bytes are still held here),
 * which took peak RSS over 200 MB with ten 500 KB reports in flight (205-218 MB against 175 MB),
 * for no measurable gain in throughput (221-246 against 211 reports/s).
 */
export const DEFAULT_MAX_THREAD_BYTES = 256 * 1024;

export interface BodyReaderOptions {
  /** Worker threads that read large bodies; 0 reads every body on the event loop. */
  threads: number;
  /** Bodies at least this long go to a thread... */
  minThreadBytes?: number;
  /** ...and shorter than this. */
  maxThreadBytes?: number;
  /** Told once, when a thread fails and every body is read on the event loop from then on. */
  onFallback?: ((error: unknown) => void) | undefined;
  /** Starts one reader thread (tests give a failing one); default `startReaderThread`. */
  startThread?: () => Worker;
}

/** Reads a webhook's bytes into what the pipeline needs (`readWebhookBody`). */
export interface BodyReader {
  read(rawBody: Buffer): BodyReading | Promise<BodyReading>;
  /**
   * Starts the threads now rather than at the first large body, and resolves once they can take
   * bodies (or have failed, and bodies are read on the event loop).
   */
  start(): Promise<void>;
  /** Stops the threads; reading goes on, on the event loop. */
  close(): Promise<void>;
}

/**
 * Moves parsing, validation and (for end-of-call reports) serialization of large bodies off the
 * event loop. They are most of a large webhook's CPU (JSON.parse alone is ~15 % of a 15 KB
 * tool-calls webhook, and its garbage more), and the event loop is what limits one process:
 * the thread hands back only what the handlers read, which is small or plain strings (ADR 0012).
 *
 * A thread never delays a webhook: threads start at the first large body, and until one says it
 * is ready, bodies are read on the event loop. When one exits or fails, the bodies it held are
 * read on the event loop, and so is every body after (like the SQLite checkpoint thread's
 * fallback).
 */
export function createBodyReader(options: BodyReaderOptions): BodyReader {
  const minThreadBytes = options.minThreadBytes ?? DEFAULT_MIN_THREAD_BYTES;
  const maxThreadBytes = options.maxThreadBytes ?? DEFAULT_MAX_THREAD_BYTES;
  if (options.threads <= 0) {
    return {
      read: readWebhookBody,
      start: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
  }
  let threads: ReaderThread[] | undefined;
  let failed = false;
  let closed = false;

  const fallBack = (error: unknown) => {
    if (failed) return;
    failed = true;
    options.onFallback?.(error);
    for (const thread of threads ?? []) void thread.stop();
  };
  const started = (): ReaderThread[] =>
    (threads ??= Array.from(
      { length: options.threads },
      () => new ReaderThread(options.startThread ?? startReaderThread, fallBack),
    ));

  return {
    read(rawBody) {
      const size = rawBody.byteLength;
      if (size < minThreadBytes || size >= maxThreadBytes || failed || closed) {
        return readWebhookBody(rawBody);
      }
      const thread = leastBusy(started());
      return thread === undefined ? readWebhookBody(rawBody) : thread.read(rawBody);
    },
    async start() {
      if (failed || closed) return;
      await Promise.all(started().map((thread) => thread.settled));
    },
    async close() {
      closed = true;
      await Promise.all((threads ?? []).map((thread) => thread.stop()));
    },
  };
}

/** The ready thread with the fewest bodies in hand, if any is ready. */
function leastBusy(threads: readonly ReaderThread[]): ReaderThread | undefined {
  let best: ReaderThread | undefined;
  for (const thread of threads) {
    if (thread.ready && (best === undefined || thread.pending < best.pending)) best = thread;
  }
  return best;
}

interface Pending {
  rawBody: Buffer;
  resolve: (reading: BodyReading) => void;
  reject: (error: Error) => void;
}

/** What a thread posts: once that it is ready, then one answer per body. */
export type ThreadMessage =
  { ready: true } | { id: number; reading: BodyReading } | { id: number; error: string };

/** One worker thread and the bodies it has been given, answered in any order. */
class ReaderThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #stopping = false;
  #ready = false;
  /** Resolves when the thread is ready or has failed. */
  readonly settled: Promise<void>;

  constructor(startThread: () => Worker, onFailure: (error: unknown) => void) {
    let settle = () => {};
    this.settled = new Promise((resolve) => (settle = resolve));
    this.#worker = startThread();
    // Never what keeps the process alive.
    this.#worker.unref();
    this.#worker.on("message", (answer: ThreadMessage) => {
      if ("ready" in answer) {
        this.#ready = true;
        settle();
        return;
      }
      const pending = this.#pending.get(answer.id);
      if (pending === undefined) return;
      this.#pending.delete(answer.id);
      if ("reading" in answer) pending.resolve(answer.reading);
      else pending.reject(new Error(`reading the body failed on its thread: ${answer.error}`));
    });
    const failed = (error: unknown) => {
      this.#ready = false;
      settle();
      // What it held is read here instead: nothing acknowledged, nothing lost, only slower.
      for (const pending of this.#pending.values()) readInline(pending);
      this.#pending.clear();
      if (!this.#stopping) onFailure(error);
    };
    this.#worker.on("error", failed);
    this.#worker.on("exit", (code) => {
      failed(new Error(`the body reader thread exited with code ${code}`));
    });
  }

  /** Said it is ready, and has not failed since. */
  get ready(): boolean {
    return this.#ready;
  }

  get pending(): number {
    return this.#pending.size;
  }

  read(rawBody: Buffer): Promise<BodyReading> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { rawBody, resolve, reject });
      this.#worker.postMessage({ id, body: ownBytes(rawBody) });
    });
  }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    await this.#worker.terminate();
  }
}

function readInline(pending: Pending): void {
  try {
    pending.resolve(readWebhookBody(pending.rawBody));
  } catch (error) {
    pending.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * A Buffer can be a view into a larger shared pool, and posting a view copies its whole
 * backing store: copy just the body's bytes then.
 */
function ownBytes(rawBody: Buffer): Uint8Array {
  return rawBody.byteOffset === 0 && rawBody.byteLength === rawBody.buffer.byteLength
    ? rawBody
    : new Uint8Array(rawBody);
}

/** A body's garbage dies young: a small young generation keeps the thread's memory down. */
const YOUNG_GENERATION_MB = 8;

/**
 * The thread runs `body-reader-thread`, compiled next to this file. Run from the TypeScript
 * sources (the test runner, tsx) it is a `.ts` file, which a worker can import only once tsx's
 * loader is registered in that worker: a two-line bootstrap does that first (tsx is a dev
 * dependency, present wherever the sources run).
 */
export function startReaderThread(): Worker {
  const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB };
  if (!import.meta.url.endsWith(".ts")) {
    return new Worker(new URL("./body-reader-thread.js", import.meta.url), { resourceLimits });
  }
  // The ESM build of tsx's API: its `register` works in a worker (its `--import` entry only
  // registers itself in the main thread on Node 20).
  const tsxPackage = createRequire(import.meta.url).resolve("tsx/package.json");
  const tsxApi = pathToFileURL(join(dirname(tsxPackage), "dist/esm/api/index.mjs")).href;
  const entry = new URL("./body-reader-thread.ts", import.meta.url).href;
  return new Worker(FROM_SOURCE_BOOTSTRAP, {
    eval: true,
    workerData: { tsxApi, entry },
    resourceLimits,
  });
}

const FROM_SOURCE_BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
import(workerData.tsxApi).then(({ register }) => {
  register();
  return import(workerData.entry);
});
`;
