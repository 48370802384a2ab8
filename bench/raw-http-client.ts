/*
 * The open-loop sender's HTTP client: keep-alive HTTP/1.1 POSTs written straight to TCP sockets,
 * one request per socket at a time, answers read by their Content-Length.
 *
 * Why not Node's own client: the sender shares the machine's two cores with the server it
 * measures, and node:http cost 238–263 µs of CPU per 30 KB report at 1,500 req/s, undici 6
 * 219–247, this 115–118 (a scratch sender against a bare node:http server, 5 s per run, two runs
 * each). It handles only what a benchmark target sends back: a status line, headers and a body of
 * the stated Content-Length (Fastify states one on every answer). Anything else is reported as that
 * request's error, never guessed at.
 */
import net from "node:net";

export interface RawHttpClientOptions {
  host: string;
  port: number;
  /** Request path, e.g. `/vapi/webhook`. */
  path: string;
  /** Sent with every request; `host` and `content-length` are added. */
  headers: Readonly<Record<string, string>>;
  /** At most this many sockets; requests beyond wait for a free one, in order. */
  maxSockets: number;
  /** A request not answered this long after it was handed over fails, and its socket is closed. */
  timeoutMs: number;
}

export type RawHttpOutcome =
  | { ok: true; status: number; body: string | undefined }
  | { ok: false; timedOut: boolean; error: Error };

export interface RawHttpClient {
  /**
   * Sends one POST. `done` is called exactly once. The answer's body is decoded only when
   * `keepBody` is set or the status is not 2xx (checking every body would cost what this saves).
   */
  post(body: Buffer, keepBody: boolean, done: (outcome: RawHttpOutcome) => void): void;
  /** Closes every socket; requests still open fail. */
  close(): void;
}

interface Pending {
  head: Buffer;
  body: Buffer;
  keepBody: boolean;
  done: (outcome: RawHttpOutcome) => void;
}

interface Connection {
  socket: net.Socket;
  /** The request on this socket, answered or failed once. */
  current: (Pending & { sentAt: number }) | undefined;
  /** Bytes received and not yet consumed. */
  received: Buffer[];
  receivedBytes: number;
  /** Set once the head of the current answer has been read. */
  answer: { status: number; bodyStart: number; length: number; closeAfter: boolean } | undefined;
}

const HEAD_END = Buffer.from("\r\n\r\n");
// A head longer than this is not an answer we can read (Fastify's are a few hundred bytes).
const MAX_HEAD_BYTES = 64 * 1024;
// Timeouts are looked for by a sweep rather than a timer per request, which would cost about what
// a request does.
const SWEEP_INTERVAL_MS = 100;

export function createRawHttpClient(options: RawHttpClientOptions): RawHttpClient {
  const fixedHead = Object.entries({ ...options.headers, host: `${options.host}:${options.port}` })
    .filter(([name]) => name.toLowerCase() !== "content-length")
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  const idle: Connection[] = [];
  const busy = new Set<Connection>();
  const queue: Pending[] = [];
  let open = 0;
  let closed = false;

  const sweep = setInterval(() => {
    const now = performance.now();
    for (const connection of busy) {
      const current = connection.current;
      if (current !== undefined && now - current.sentAt > options.timeoutMs) {
        fail(connection, new Error(`no answer within ${options.timeoutMs} ms`), true);
      }
    }
  }, SWEEP_INTERVAL_MS);
  sweep.unref();

  function connect(): Connection {
    const socket = net.connect(options.port, options.host);
    socket.setNoDelay(true);
    const connection: Connection = {
      socket,
      current: undefined,
      received: [],
      receivedBytes: 0,
      answer: undefined,
    };
    open += 1;
    socket.on("data", (chunk: Buffer) => onData(connection, chunk));
    socket.on("error", (error) => fail(connection, error, false));
    socket.on("close", () => {
      open -= 1;
      busy.delete(connection);
      const index = idle.indexOf(connection);
      if (index >= 0) idle.splice(index, 1);
      fail(connection, new Error("the server closed the connection"), false);
      startQueued();
    });
    return connection;
  }

  function start(connection: Connection, request: Pending): void {
    connection.current = { ...request, sentAt: performance.now() };
    busy.add(connection);
    // Corked, the two buffers leave in one writev.
    connection.socket.cork();
    connection.socket.write(request.head);
    connection.socket.write(request.body);
    connection.socket.uncork();
  }

  function startQueued(): void {
    while (!closed && queue.length > 0) {
      const connection = idle.pop() ?? (open < options.maxSockets ? connect() : undefined);
      const next = queue.shift();
      if (connection === undefined || next === undefined) return;
      start(connection, next);
    }
  }

  function finish(connection: Connection, outcome: RawHttpOutcome): void {
    const current = connection.current;
    connection.current = undefined;
    connection.answer = undefined;
    busy.delete(connection);
    current?.done(outcome);
  }

  function fail(connection: Connection, error: Error, timedOut: boolean): void {
    if (connection.current !== undefined) finish(connection, { ok: false, timedOut, error });
    connection.received = [];
    connection.receivedBytes = 0;
    connection.socket.destroy();
  }

  function onData(connection: Connection, chunk: Buffer): void {
    if (connection.current === undefined) {
      fail(connection, new Error("bytes arrived with no request outstanding"), false);
      return;
    }
    connection.received.push(chunk);
    connection.receivedBytes += chunk.length;
    if (connection.answer === undefined) {
      const bytes = flatten(connection);
      const headEnd = bytes.indexOf(HEAD_END);
      if (headEnd < 0) {
        if (bytes.length > MAX_HEAD_BYTES)
          fail(connection, new Error("answer head too long"), false);
        return;
      }
      const answer = readHead(bytes.subarray(0, headEnd).toString("latin1"));
      if (answer instanceof Error) {
        fail(connection, answer, false);
        return;
      }
      connection.answer = { ...answer, bodyStart: headEnd + HEAD_END.length };
    }
    const { status, bodyStart, length, closeAfter } = connection.answer;
    const end = bodyStart + length;
    if (connection.receivedBytes < end) return;
    if (connection.receivedBytes > end) {
      fail(connection, new Error("more bytes than the answer's Content-Length"), false);
      return;
    }
    const current = connection.current;
    const wantBody = current.keepBody || status < 200 || status >= 300;
    const body = wantBody ? flatten(connection).toString("utf8", bodyStart, end) : undefined;
    connection.received = [];
    connection.receivedBytes = 0;
    finish(connection, { ok: true, status, body });
    if (closeAfter || closed) {
      connection.socket.destroy();
      return;
    }
    const next = queue.shift();
    if (next === undefined) idle.push(connection);
    else start(connection, next);
  }

  return {
    post(body, keepBody, done) {
      if (closed) {
        done({ ok: false, timedOut: false, error: new Error("the client is closed") });
        return;
      }
      const head = Buffer.from(
        `POST ${options.path} HTTP/1.1\r\n${fixedHead}content-length: ${body.length}\r\n\r\n`,
        "latin1",
      );
      const request: Pending = { head, body, keepBody, done };
      const connection = idle.pop() ?? (open < options.maxSockets ? connect() : undefined);
      if (connection === undefined) queue.push(request);
      else start(connection, request);
    },
    close() {
      closed = true;
      clearInterval(sweep);
      for (const request of queue.splice(0)) {
        request.done({ ok: false, timedOut: false, error: new Error("the client is closed") });
      }
      for (const connection of [...busy, ...idle]) fail(connection, new Error("closed"), false);
    },
  };
}

/** The received bytes as one buffer (kept as one afterwards, so it is copied only once). */
function flatten(connection: Connection): Buffer {
  if (connection.received.length !== 1) {
    connection.received = [Buffer.concat(connection.received, connection.receivedBytes)];
  }
  return connection.received[0] ?? Buffer.alloc(0);
}

/** The status, body length and keep-alive of an answer's head, or why it cannot be read. */
function readHead(head: string): { status: number; length: number; closeAfter: boolean } | Error {
  const lines = head.split("\r\n");
  const statusLine = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? "");
  if (statusLine === null) return new Error(`not an HTTP/1.x status line: ${lines[0] ?? ""}`);
  let length: number | undefined;
  let closeAfter = statusLine[1] === "0";
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-length") length = Number(value);
    else if (name === "transfer-encoding") {
      return new Error(
        `transfer-encoding ${value} is not supported; answers need a Content-Length`,
      );
    } else if (name === "connection") closeAfter = value.toLowerCase() === "close";
  }
  if (length === undefined || !Number.isSafeInteger(length) || length < 0) {
    return new Error("the answer has no valid Content-Length");
  }
  return { status: Number(statusLine[2]), length, closeAfter };
}
