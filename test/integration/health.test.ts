import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/start-server.js";

/** A local port nothing listens on: bind one, then release it. Never the shared Redis. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return address.port;
}

describe("health endpoints", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("GET /healthz answers 200 while the process is up", async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    expect(response.headers.get("x-request-id")).toBeTruthy();
  });

  it("GET /readyz answers 200 with the database ok", async () => {
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      status: string;
      dependencies: Record<string, { ok: boolean; latencyMs?: number }>;
    };
    expect(body.status).toBe("ready");
    expect(body.dependencies.database).toMatchObject({ ok: true, latencyMs: expect.any(Number) });
    expect(body.dependencies).not.toHaveProperty("redis");
  });
});

describe("readiness with Redis down", () => {
  let server: TestServer;
  let port: number;
  beforeAll(async () => {
    port = await closedPort();
    server = await startTestServer({ env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("GET /readyz answers 503 naming redis, with the database still ok", async () => {
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      status: string;
      dependencies: Record<string, { ok: boolean; error?: string }>;
    };
    expect(body.status).toBe("not-ready");
    expect(body.dependencies.redis).toMatchObject({ ok: false, error: expect.any(String) });
    expect(body.dependencies.database).toMatchObject({ ok: true });
    expect(server.logs.some((line) => line.dependency === "redis" && line.level === 40)).toBe(true);
  });

  it("GET /healthz still answers 200: liveness does not depend on Redis", async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
  });

  it("still answers webhooks without Redis", async () => {
    const response = await server.postWebhook({ message: { type: "assistant-request" } });
    expect(response.status).toBe(200);
  });
});
