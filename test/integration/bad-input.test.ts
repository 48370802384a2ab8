import { Agent, request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assistantRequest } from "../fixtures/vapi/builders.js";
import { startTestServer, type TestServer } from "../helpers/start-server.js";

const BODY_LIMIT_BYTES = 4096;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Asserts the one error shape, with the request id echoed in the header; returns the body. */
async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const requestId = response.headers.get("x-request-id");
  expect(requestId).toBeTruthy();
  const body = (await response.json()) as {
    error: { code: string; message: string; requestId: string };
  };
  expect(body).toEqual({ error: { code, message: expect.any(String), requestId } });
  expect(body.error.message.length).toBeGreaterThan(0);
  return body;
}

/** Sends raw bytes with Node's client (fetch cannot omit or fake some headers). */
function rawPost(
  url: string,
  body: Buffer | string,
  headers: Record<string, string | number>,
  agent?: Agent,
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  reusedSocket: boolean;
}> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/vapi/webhook`,
      { method: "POST", headers, ...(agent === undefined ? {} : { agent }) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
            reusedSocket: req.reusedSocket,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("bad input on the webhook", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("answers a valid request (baseline)", async () => {
    const response = await server.postWebhook(assistantRequest());
    expect(response.status).toBe(200);
  });

  it.each([
    ["truncated object", '{"message":{"type":"assistant-request"'],
    ["plain text", "hello"],
    ["empty body", ""],
    ["trailing garbage", '{"message":{"type":"hang"}} extra'],
    ["single quotes", "{'message':{'type':'hang'}}"],
    ["NaN literal", '{"message":{"type":"hang","x":NaN}}'],
  ])("rejects invalid JSON (%s) with 400 BAD_JSON", async (_label, body) => {
    await expectError(await server.postWebhook(body), 400, "BAD_JSON");
  });

  it("rejects bytes that are not UTF-8 JSON with 400 BAD_JSON", async () => {
    const response = await fetch(`${server.url}/vapi/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
    });
    await expectError(response, 400, "BAD_JSON");
  });

  it.each([
    ["an array", "[]"],
    ["an array of messages", JSON.stringify([{ message: { type: "hang" } }])],
    ["a string", JSON.stringify("assistant-request")],
    ["a number", "42"],
    ["null", "null"],
    ["an object without message", JSON.stringify({ type: "assistant-request" })],
    ["message as a string", JSON.stringify({ message: "assistant-request" })],
    ["message as an array", JSON.stringify({ message: [{ type: "hang" }] })],
    ["message as null", JSON.stringify({ message: null })],
    ["message without type", JSON.stringify({ message: { call: { id: "c" } } })],
    ["type as a number", JSON.stringify({ message: { type: 42 } })],
    ["type as an object", JSON.stringify({ message: { type: { name: "hang" } } })],
    ["type as an empty string", JSON.stringify({ message: { type: "" } })],
  ])("rejects %s with 400 INVALID_PAYLOAD", async (_label, body) => {
    await expectError(await server.postWebhook(body), 400, "INVALID_PAYLOAD");
  });

  it("rejects a known type whose required fields are missing with 400 INVALID_PAYLOAD", async () => {
    const body = await expectError(
      await server.postWebhook({ message: { type: "function-call" } }),
      400,
      "INVALID_PAYLOAD",
    );
    expect(body.error.message).toContain("functionCall");
  });

  it("acknowledges an unknown message type with 200 {}", async () => {
    const response = await server.postWebhook({ message: { type: "brand-new-event", data: 1 } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
  });

  it.each([
    ["text/plain", "text/plain"],
    ["form encoding", "application/x-www-form-urlencoded"],
    ["XML", "application/xml"],
    ["multipart", "multipart/form-data; boundary=x"],
    ["a JSON look-alike", "application/jsonp"],
  ])("rejects %s with 415 UNSUPPORTED_MEDIA_TYPE", async (_label, contentType) => {
    const response = await fetch(`${server.url}/vapi/webhook`, {
      method: "POST",
      headers: { "content-type": contentType },
      body: JSON.stringify(assistantRequest()),
    });
    await expectError(response, 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("rejects a body without any content type with 415", async () => {
    const body = JSON.stringify(assistantRequest());
    const response = await rawPost(server.url, body, { "content-length": Buffer.byteLength(body) });
    expect(response.status).toBe(415);
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: "UNSUPPORTED_MEDIA_TYPE" } });
  });

  it("accepts JSON content types with parameters and +json suffixes", async () => {
    for (const contentType of [
      "application/json; charset=utf-8",
      "Application/JSON",
      "application/vnd.vapi+json",
    ]) {
      const response = await fetch(`${server.url}/vapi/webhook`, {
        method: "POST",
        headers: { "content-type": contentType },
        body: JSON.stringify(assistantRequest()),
      });
      expect(response.status, contentType).toBe(200);
    }
  });

  it("rejects a body over BODY_LIMIT_BYTES with 413 PAYLOAD_TOO_LARGE", async () => {
    const big = JSON.stringify({
      message: { type: "hang", padding: "x".repeat(BODY_LIMIT_BYTES) },
    });
    await expectError(await server.postWebhook(big), 413, "PAYLOAD_TOO_LARGE");
  });

  it("rejects an oversized body sent without a content length (chunked) with 413", async () => {
    const big = JSON.stringify({
      message: { type: "hang", padding: "x".repeat(BODY_LIMIT_BYTES * 2) },
    });
    const response = await rawPost(server.url, big, {
      "content-type": "application/json",
      "transfer-encoding": "chunked",
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
  });

  // Closing a socket with the rest of an upload unread makes the kernel send a reset, and a
  // client still sending then loses the answer (EPIPE instead of a 413). The server reads and
  // discards the rest instead, which this shows deterministically: the connection survives the
  // error and carries the next request.
  it.each([
    ["an oversized body (413)", "x".repeat(BODY_LIMIT_BYTES * 4), 413],
    ["invalid JSON (400)", "{not json", 400],
  ])("keeps the connection after %s, so the answer always arrives", async (_case, bad, status) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await rawPost(server.url, bad, { "content-type": "application/json" }, agent);
      expect(first.status).toBe(status);
      expect(first.headers.connection).not.toBe("close");
      const second = await rawPost(
        server.url,
        JSON.stringify({ message: { type: "hang" } }),
        { "content-type": "application/json" },
        agent,
      );
      expect(second.status).toBe(200);
      expect(second.reusedSocket).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it("accepts a body just under the limit", async () => {
    const base = JSON.stringify({ message: { type: "hang", padding: "" } });
    const padded = JSON.stringify({
      message: { type: "hang", padding: "x".repeat(BODY_LIMIT_BYTES - base.length) },
    });
    expect(Buffer.byteLength(padded)).toBe(BODY_LIMIT_BYTES);
    const response = await server.postWebhook(padded);
    expect(response.status).toBe(200);
  });

  it("is not polluted by __proto__ or constructor.prototype keys, and still answers", async () => {
    const body =
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},' +
      '"message":{"type":"assistant-request","__proto__":{"polluted":"yes"},' +
      '"constructor":{"prototype":{"polluted":"yes"}},' +
      '"call":{"id":"c-proto","__proto__":{"isAdmin":true}},' +
      '"assistant":{"metadata":{"__proto__":{"tenantId":"someone-else"}}}}}';
    const response = await server.postWebhook(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty("error");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).tenantId).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  });

  it("removes prototype keys spelled with \\u escapes too", async () => {
    const body =
      '{"message":{"type":"assistant-request","\\u005f\\u005fproto__":{"polluted":"yes"},' +
      '"call":{"id":"c-proto-escaped"},' +
      '"assistant":{"metadata":{"__pr\\u006fto__":{"tenantId":"someone-else"}}},' +
      '"c\\u006fnstructor":{"prototype":{"polluted":"yes"}}}}';
    expect(body).not.toContain("__proto__");
    const response = await server.postWebhook(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty("error");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).tenantId).toBeUndefined();
  });

  it("treats __proto__ and constructor as unknown message types", async () => {
    for (const type of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const response = await server.postWebhook({ message: { type } });
      expect(response.status, type).toBe(200);
      expect(await response.json()).toEqual({});
    }
  });

  it("reuses a safe incoming x-request-id in the header and the error body", async () => {
    const response = await server.postWebhook("{bad", { "x-request-id": "vapi-req_123:abc.DEF" });
    expect(response.headers.get("x-request-id")).toBe("vapi-req_123:abc.DEF");
    const body = await expectError(response, 400, "BAD_JSON");
    expect(body.error.requestId).toBe("vapi-req_123:abc.DEF");
    expect(server.logs.some((line) => line.reqId === "vapi-req_123:abc.DEF")).toBe(true);
  });

  it("replaces an unsafe or oversized incoming x-request-id with a UUID", async () => {
    for (const unsafe of [
      "<script>alert(1)</script>",
      "has spaces in it",
      "a".repeat(200),
      'x"y',
      "../../etc",
    ]) {
      const response = await server.postWebhook("{bad", { "x-request-id": unsafe });
      const id = response.headers.get("x-request-id");
      expect(id).toMatch(UUID);
      const body = await expectError(response, 400, "BAD_JSON");
      expect(body.error.requestId).toBe(id);
    }
    expect(JSON.stringify(server.logs)).not.toContain("<script>");
  });

  it("echoes the request id on successful webhooks too", async () => {
    const response = await server.postWebhook(assistantRequest(), { "x-request-id": "ok-req-1" });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("ok-req-1");
  });
});

describe("other routes", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) } });
  });
  afterAll(async () => {
    await server.close();
  });

  it.each([
    ["GET", "/"],
    ["GET", "/nope"],
    ["POST", "/vapi/webhook/extra"],
    ["POST", "/healthz/"],
    ["GET", "/nope?x=1"],
  ])("answers %s %s with 404 NOT_FOUND in the error shape", async (method, path) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      ...(method === "POST" ? { headers: { "content-type": "application/json" }, body: "{}" } : {}),
    });
    const body = await expectError(response, 404, "NOT_FOUND");
    expect(body.error.message).not.toContain("?");
    expect(response.headers.get("allow")).toBeNull();
  });

  it.each([
    ["GET", "/vapi/webhook", "POST"],
    ["GET", "/vapi/webhook?x=1", "POST"],
    ["PUT", "/vapi/webhook", "POST"],
    ["DELETE", "/healthz", "GET, HEAD"],
    ["POST", "/readyz", "GET, HEAD"],
  ])("answers %s %s with 405 METHOD_NOT_ALLOWED and Allow: %s", async (method, path, allow) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      ...(method === "GET" || method === "DELETE"
        ? {}
        : { headers: { "content-type": "application/json" }, body: "{}" }),
    });
    const body = await expectError(response, 405, "METHOD_NOT_ALLOWED");
    expect(response.headers.get("allow")).toBe(allow);
    expect(body.error.message).toContain(allow);
    expect(body.error.message).not.toContain("?");
  });

  it("uses the error shape for bad JSON sent to a non-webhook route", async () => {
    const response = await fetch(`${server.url}/nope`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "nf-1" },
      body: "{bad",
    });
    expect(response.headers.get("x-request-id")).toBe("nf-1");
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(await response.json()).toMatchObject({ error: { requestId: "nf-1" } });
  });
});

describe("nothing crashes the process", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("keeps answering after a burst of bad requests", async () => {
    const bad: Promise<Response>[] = [];
    for (let i = 0; i < 20; i += 1) {
      bad.push(server.postWebhook("{bad"));
      bad.push(server.postWebhook("[]"));
      bad.push(server.postWebhook({ message: { type: "tool-calls", toolCallList: "not-a-list" } }));
      bad.push(
        server.postWebhook({ message: { type: "tool-calls", toolCallList: [null, 1, "x"] } }),
      );
      bad.push(
        server.postWebhook({
          message: { type: "assistant-request", call: "weird", phoneNumber: 5 },
        }),
      );
      bad.push(
        server.postWebhook(
          JSON.stringify({ message: { type: "hang", x: "y".repeat(BODY_LIMIT_BYTES) } }),
        ),
      );
    }
    const statuses = (await Promise.all(bad)).map((response) => response.status);
    expect(statuses.every((status) => status < 500)).toBe(true);

    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const webhook = await server.postWebhook(assistantRequest());
    expect(webhook.status).toBe(200);
  });

  it("survives a client that disconnects mid-body", async () => {
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${server.url}/vapi/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": 1000 },
      });
      req.on("error", () => resolve());
      req.write('{"message":{"type":');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    const response = await server.postWebhook(assistantRequest());
    expect(response.status).toBe(200);
  });

  it("logs no error-level line for client mistakes", () => {
    expect(server.logs.filter((line) => (line.level as number) >= 50)).toEqual([]);
  });
});
