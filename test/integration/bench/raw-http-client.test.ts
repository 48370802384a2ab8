import { once } from "node:events";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import {
  createRawHttpClient,
  type RawHttpClient,
  type RawHttpOutcome,
} from "../../../bench/raw-http-client.js";

// The open-loop sender's client (bench/raw-http-client.ts), against real servers: Fastify, as
// the bench targets are, and bare node:http / net servers for the answers it must refuse.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fastifyEcho(): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify();
  app.post("/vapi/webhook", async (request, reply) => {
    const body = request.body as { n?: number; status?: number };
    if (body.status !== undefined) return reply.code(body.status).send({ refused: body.n });
    return { echoed: body.n, secret: request.headers["x-secret"] };
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  cleanups.push(() => app.close());
  return { app, port: (app.server.address() as AddressInfo).port };
}

async function listening(server: http.Server | net.Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if (server instanceof http.Server) server.closeAllConnections();
      }),
  );
  return (server.address() as AddressInfo).port;
}

function client(port: number, overrides: { maxSockets?: number; timeoutMs?: number } = {}) {
  const created = createRawHttpClient({
    host: "127.0.0.1",
    port,
    path: "/vapi/webhook",
    headers: { "content-type": "application/json", "x-secret": "s3" },
    maxSockets: overrides.maxSockets ?? 4,
    timeoutMs: overrides.timeoutMs ?? 5_000,
  });
  cleanups.push(() => created.close());
  return created;
}

function post(target: RawHttpClient, body: unknown, keepBody = true): Promise<RawHttpOutcome> {
  return new Promise((resolve) => {
    target.post(Buffer.from(JSON.stringify(body)), keepBody, resolve);
  });
}

describe("raw HTTP client of the open-loop sender", () => {
  it("posts with the given headers and reads Fastify's answers, bodies only when asked or not 2xx", async () => {
    const { port } = await fastifyEcho();
    const target = client(port);

    expect(await post(target, { n: 1 })).toEqual({
      ok: true,
      status: 200,
      body: JSON.stringify({ echoed: 1, secret: "s3" }),
    });
    expect(await post(target, { n: 2 }, false)).toEqual({ ok: true, status: 200, body: undefined });
    expect(await post(target, { n: 3, status: 503 }, false)).toEqual({
      ok: true,
      status: 503,
      body: JSON.stringify({ refused: 3 }),
    });
  });

  it("answers every one of many concurrent requests over at most maxSockets connections", async () => {
    const { app, port } = await fastifyEcho();
    let connections = 0;
    app.server.on("connection", () => (connections += 1));
    const target = client(port, { maxSockets: 3 });

    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, n) => post(target, { n, pad: "x".repeat(n * 150) })),
    );

    expect(outcomes.map((outcome) => (outcome.ok ? outcome.body : outcome.error.message))).toEqual(
      Array.from({ length: 200 }, (_, n) => JSON.stringify({ echoed: n, secret: "s3" })),
    );
    expect(connections).toBe(3);
  });

  it("opens a new connection after an answer that closes its own", async () => {
    let connections = 0;
    const server = http.createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        response.setHeader("connection", "close");
        response.end("bye");
      });
    });
    server.on("connection", () => (connections += 1));
    const target = client(await listening(server), { maxSockets: 1 });

    for (let n = 0; n < 3; n += 1) {
      expect(await post(target, { n })).toEqual({ ok: true, status: 200, body: "bye" });
    }
    expect(connections).toBe(3);
  });

  it("fails a chunked answer with a reason instead of guessing its end", async () => {
    const server = http.createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        response.write("part one, ");
        response.end("part two");
      });
    });
    const target = client(await listening(server));

    const outcome = await post(target, { n: 1 });

    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? "" : outcome.error.message).toMatch(/transfer-encoding chunked/);
  });

  it("fails a request the server drops, and the next one gets a fresh connection", async () => {
    let seen = 0;
    const server = net.createServer((socket) => {
      socket.once("data", () => {
        seen += 1;
        if (seen === 1) {
          socket.destroy();
          return;
        }
        socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
      });
    });
    const target = client(await listening(server), { maxSockets: 1 });

    const dropped = await post(target, { n: 1 });
    expect(dropped.ok).toBe(false);
    expect(dropped.ok ? undefined : dropped.timedOut).toBe(false);
    expect(await post(target, { n: 2 })).toEqual({ ok: true, status: 200, body: "ok" });
  });

  it("times out a request that is never answered, and only that one", async () => {
    const server = net.createServer((socket) => {
      socket.once("data", (chunk) => {
        if (chunk.toString("latin1").includes('"n":1')) return; // never answered
        socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
      });
    });
    const target = client(await listening(server), { timeoutMs: 300 });

    const [silent, answered] = await Promise.all([post(target, { n: 1 }), post(target, { n: 2 })]);

    expect(answered).toEqual({ ok: true, status: 200, body: "ok" });
    expect(silent.ok).toBe(false);
    expect(silent.ok ? undefined : silent.timedOut).toBe(true);
  });

  it("fails an answer that is not HTTP", async () => {
    const server = net.createServer((socket) => {
      socket.once("data", () => socket.write("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
    });
    const target = client(await listening(server));

    const outcome = await post(target, { n: 1 });

    expect(outcome.ok ? "" : outcome.error.message).toMatch(/not an HTTP\/1\.x status line/);
  });
});
