import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../../src/clock.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { assistantRequest, toolCalls } from "../../fixtures/vapi/builders.js";
import { callTo } from "../../fixtures/vapi/conversation.js";
import { createTenant } from "../../helpers/factories.js";
import { signHmac } from "../../helpers/sign.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { postWithHeaderLines, rawExchange } from "./raw-http.js";

/*
 * Attacks on webhook authentication, through the real server: every one is answered 401 in the
 * standard error shape (431 for oversized headers), acts on nothing, and leaves the server up.
 * The server has global credentials (VAPI_SECRET and VAPI_HMAC_SECRET), two tenants with keys
 * of their own (tenant vapiAuth) and one without, as a multi-tenant deployment would. Attacks on
 * the global credentials target the tenant without keys: for a tenant with keys, the reason
 * logged is that of its own keys' check, which runs last.
 */

// Wednesday 25 November 2026, 10:30 in Sydney; the server's clock is pinned here.
const NOW_MS = Date.parse("2026-11-24T23:30:00Z");
const NOW_S = NOW_MS / 1000;
const SECRET = "global-secret-7Hq2xK9pLm4vR8sT"; // 32 characters
const HMAC_KEY = "global-hmac-key-3Jd8fN1wQz6yB5cE";
const A_SECRET = "tenant-a-secret-9Xk4mP2rT7vW1yZq";
const A_HMAC = "tenant-a-hmac-5Gh8jK3nM6pQ9sT2";
const B_SECRET = "tenant-b-secret-4Lc7eR1uY8iO3aS6";

interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}

describe("webhook authentication under attack", () => {
  let server: TestServer;
  let tenantA: Tenant;
  let tenantB: Tenant;
  let tenantC: Tenant;
  /** A take_message on C's number: if any attack got through, C would have a message. */
  let attackBody: string;
  /** The same on B's number. */
  let attackOnB: string;

  beforeAll(async () => {
    server = await startTestServer({
      env: { LOG_LEVEL: "info", VAPI_SECRET: SECRET, VAPI_HMAC_SECRET: HMAC_KEY },
      clock: fixedClock(NOW_MS),
    });
    tenantA = await createTenant(server.deps, {
      vapiAuth: { secrets: [A_SECRET], hmacSecrets: [A_HMAC] },
    });
    tenantB = await createTenant(server.deps, { vapiAuth: { secrets: [B_SECRET] } });
    tenantC = await createTenant(server.deps);
    const attackOn = (tenant: Tenant) =>
      JSON.stringify(
        toolCalls(callTo(tenant), [
          { name: "take_message", args: { message: "Attacker was here", name: "Mallory" } },
        ]),
      );
    attackBody = attackOn(tenantC);
    attackOnB = attackOn(tenantB);
  });
  afterAll(async () => {
    await server.close();
  });

  const messagesOf = (tenant: Tenant) =>
    server.deps.db.selectFrom("messages").selectAll().where("tenant_id", "=", tenant.id).execute();

  async function expectRejected(response: Response, reason?: string): Promise<void> {
    expect(response.status).toBe(401);
    const requestId = response.headers.get("x-request-id");
    const body = (await response.json()) as ErrorBody;
    expect(body).toEqual({
      error: { code: "UNAUTHORIZED", message: expect.any(String), requestId },
    });
    if (reason !== undefined) {
      const line = server.logs.find(
        (entry) => entry.reqId === requestId && entry.msg === "vapi webhook",
      );
      expect(line?.authFailure).toBe(reason);
    }
  }

  const hmacFor = (body: string | Buffer, options: { secret?: string; timestamp?: number } = {}) =>
    signHmac(body, { secret: options.secret ?? HMAC_KEY, timestamp: options.timestamp ?? NOW_S });

  describe("missing credentials", () => {
    it.each([
      ["no header at all", {}],
      ["an empty X-Vapi-Secret", { "x-vapi-secret": "" }],
      ["a blank X-Vapi-Secret", { "x-vapi-secret": "   " }],
      ["Authorization: Bearer with no token", { authorization: "Bearer" }],
      [
        "Authorization: Basic with the secret",
        { authorization: `Basic ${btoa(`vapi:${SECRET}`)}` },
      ],
      ["the secret with no scheme", { authorization: SECRET }],
      ["the secret run into the scheme", { authorization: `Bearer${SECRET}` }],
      ["another scheme", { authorization: `Token ${SECRET}` }],
    ])("rejects %s", async (_case, headers: Record<string, string>) => {
      // With HMAC configured too, the most telling reason for no usable credential is the
      // absent signature.
      await expectRejected(await server.postWebhook(attackBody, headers), "signature-missing");
    });

    it("rejects an HMAC signature without its timestamp, and a timestamp alone", async () => {
      const { "x-signature": signature = "", "x-timestamp": timestamp = "" } = hmacFor(attackBody);
      await expectRejected(
        await server.postWebhook(attackBody, { "x-signature": signature }),
        "timestamp-missing",
      );
      await expectRejected(
        await server.postWebhook(attackBody, { "x-timestamp": timestamp }),
        "signature-missing",
      );
    });
  });

  describe("wrong secrets", () => {
    it.each([
      ["a random secret of the same length", "x".repeat(SECRET.length)],
      ["a shorter secret", "short"],
      ["a 4 KB secret", "k".repeat(4096)],
      ["the secret minus its last character", SECRET.slice(0, -1)],
      ["the secret plus a character", `${SECRET}x`],
      ["the secret with its first character changed", `X${SECRET.slice(1)}`],
      ["the secret with its last character changed", `${SECRET.slice(0, -1)}X`],
      ["the secret upper-cased", SECRET.toUpperCase()],
      ["the secret with a space inside", `${SECRET.slice(0, 10)} ${SECRET.slice(10)}`],
      ["the secret twice", `${SECRET}${SECRET}`],
      ["the HMAC key used as a shared secret", HMAC_KEY],
    ])("rejects %s in X-Vapi-Secret and as a bearer token", async (_case, wrong) => {
      await expectRejected(
        await server.postWebhook(attackBody, { "x-vapi-secret": wrong }),
        "secret-mismatch",
      );
      await expectRejected(
        await server.postWebhook(attackBody, { authorization: `Bearer ${wrong}` }),
        "secret-mismatch",
      );
    });

    it("does not take the secret from the HMAC headers", async () => {
      await expectRejected(
        await server.postWebhook(attackBody, {
          "x-signature": SECRET,
          "x-timestamp": String(NOW_S),
        }),
        "signature-malformed",
      );
    });
  });

  describe("tampered signatures", () => {
    const flip = (hex: string, at: number) =>
      `${hex.slice(0, at)}${hex[at] === "0" ? "1" : "0"}${hex.slice(at + 1)}`;

    it("rejects a body changed after signing, by one byte or by appended whitespace", async () => {
      const headers = hmacFor(attackBody);
      await expectRejected(
        await server.postWebhook(attackBody.replace("Mallory", "Mallorz"), headers),
        "signature-mismatch",
      );
      await expectRejected(
        await server.postWebhook(`${attackBody} `, headers),
        "signature-mismatch",
      );
    });

    it("rejects a signature with one hex digit changed, first or last", async () => {
      const { "x-signature": signature = "", "x-timestamp": timestamp = "" } = hmacFor(attackBody);
      for (const at of [0, signature.length - 1]) {
        await expectRejected(
          await server.postWebhook(attackBody, {
            "x-signature": flip(signature, at),
            "x-timestamp": timestamp,
          }),
          "signature-mismatch",
        );
      }
    });

    it("rejects a truncated, doubled or non-hex signature", async () => {
      const { "x-signature": signature = "", "x-timestamp": timestamp = "" } = hmacFor(attackBody);
      for (const [forged, reason] of [
        [signature.slice(0, 32), "signature-mismatch"],
        [signature.repeat(2), "signature-mismatch"],
        [`${signature.slice(0, -1)}g`, "signature-malformed"],
        [Buffer.from(signature, "hex").toString("base64"), "signature-malformed"],
      ] as const) {
        await expectRejected(
          await server.postWebhook(attackBody, { "x-signature": forged, "x-timestamp": timestamp }),
          reason,
        );
      }
    });

    it("rejects a new timestamp on an old signature", async () => {
      const { "x-signature": signature = "" } = hmacFor(attackBody, { timestamp: NOW_S - 10 });
      await expectRejected(
        await server.postWebhook(attackBody, {
          "x-signature": signature,
          "x-timestamp": String(NOW_S),
        }),
        "signature-mismatch",
      );
    });

    it("rejects an HMAC of the body alone, without the timestamp prefix", async () => {
      const bodyOnly = createHmac("sha256", HMAC_KEY).update(attackBody).digest("hex");
      await expectRejected(
        await server.postWebhook(attackBody, {
          "x-signature": bodyOnly,
          "x-timestamp": String(NOW_S),
        }),
        "signature-mismatch",
      );
    });
  });

  describe("replays", () => {
    it.each([
      ["301 s old (seconds)", NOW_S - 301],
      ["an hour old (milliseconds)", NOW_MS - 3_600_000],
      ["a day old", NOW_S - 86_400],
      ["301 s in the future", NOW_S + 301],
      ["zero", 0],
    ])("rejects a correctly signed request whose timestamp is %s", async (_case, timestamp) => {
      await expectRejected(
        await server.postWebhook(attackBody, hmacFor(attackBody, { timestamp })),
        "timestamp-outside-tolerance",
      );
    });

    it("accepts an exact replay inside the 300 s window, but it changes nothing twice", async () => {
      // By design there is no nonce store: a captured request can be replayed within the window.
      // What it can do is bounded by idempotency: a side-effecting tool runs once per toolCallId
      // and the replay gets the first answer back; informational events upsert by call id.
      const tenant = await createTenant(server.deps);
      const body = JSON.stringify(
        toolCalls(callTo(tenant), [{ name: "take_message", args: { message: "Call me back" } }]),
      );
      const headers = hmacFor(body, { timestamp: NOW_S - 200 });
      const first = await server.postWebhook(body, headers);
      const replay = await server.postWebhook(body, headers);
      expect(first.status).toBe(200);
      expect(replay.status).toBe(200);
      expect(await replay.json()).toEqual(await first.json());
      const rows = await server.deps.db
        .selectFrom("messages")
        .selectAll()
        .where("tenant_id", "=", tenant.id)
        .execute();
      expect(rows).toHaveLength(1);
    });
  });

  describe("another tenant's keys", () => {
    it("rejects tenant A's secret and HMAC key on tenant B's number", async () => {
      await expectRejected(
        await server.postWebhook(attackOnB, { "x-vapi-secret": A_SECRET }),
        "secret-mismatch",
      );
      await expectRejected(
        await server.postWebhook(attackOnB, { authorization: `Bearer ${A_SECRET}` }),
        "secret-mismatch",
      );
      // B has no HMAC key of its own, so its check finds no credential it could verify.
      await expectRejected(
        await server.postWebhook(attackOnB, hmacFor(attackOnB, { secret: A_HMAC })),
        "missing-credentials",
      );
    });

    it("rejects tenant A's keys on a tenant without keys of its own", async () => {
      await expectRejected(
        await server.postWebhook(attackBody, { "x-vapi-secret": A_SECRET }),
        "secret-mismatch",
      );
      await expectRejected(
        await server.postWebhook(attackBody, hmacFor(attackBody, { secret: A_HMAC })),
        "signature-mismatch",
      );
    });

    it("rejects A's key when the body also names A in the assistant metadata", async () => {
      // The dialed number decides the tenant; metadata is only read when there is no number.
      const body = JSON.stringify(
        toolCalls(
          callTo(tenantB),
          [{ name: "take_message", args: { message: "Attacker was here" } }],
          tenantA.id,
        ),
      );
      await expectRejected(await server.postWebhook(body, { "x-vapi-secret": A_SECRET }));
      expect(await messagesOf(tenantA)).toEqual([]);
    });

    it("rejects A's key on a web call (no number) whose metadata names B", async () => {
      const body = JSON.stringify(
        toolCalls(
          {},
          [{ name: "take_message", args: { message: "Attacker was here" } }],
          tenantB.id,
        ),
      );
      await expectRejected(await server.postWebhook(body, { "x-vapi-secret": A_SECRET }));
    });

    it("accepts B's own key on B's number (the control case)", async () => {
      const body = JSON.stringify(assistantRequest(callTo(tenantB)));
      const response = await server.postWebhook(body, { "x-vapi-secret": B_SECRET });
      expect(response.status).toBe(200);
    });
  });

  describe("header names, whitespace and repetition", () => {
    const okBody = () => JSON.stringify(assistantRequest(callTo(tenantA)));

    it("matches header names in any case, as HTTP requires", async () => {
      for (const name of ["X-VAPI-SECRET", "x-Vapi-Secret", "x-vapi-secret"]) {
        expect((await server.postWebhook(okBody(), { [name]: SECRET })).status, name).toBe(200);
      }
    });

    it("ignores the whitespace HTTP allows around a value, and no other", async () => {
      for (const value of [` ${SECRET}`, `${SECRET}\t`, `\t ${SECRET}  `]) {
        expect((await server.postWebhook(okBody(), { "x-vapi-secret": value })).status).toBe(200);
      }
      for (const value of [`Bearer  ${SECRET}`, `bearer\t${SECRET}`]) {
        expect((await server.postWebhook(okBody(), { authorization: value })).status).toBe(200);
      }
      await expectRejected(
        await server.postWebhook(attackBody, {
          "x-vapi-secret": `${SECRET.slice(0, 5)}\t${SECRET.slice(5)}`,
        }),
        "secret-mismatch",
      );
    });

    it("rejects a repeated X-Vapi-Secret, even when one copy is right", async () => {
      // Node joins repeated custom headers with ", ", so the value compared is "a, b".
      for (const values of [
        ["wrong", SECRET],
        [SECRET, "wrong"],
        [SECRET, SECRET],
      ]) {
        const answer = await postWithHeaderLines(server.url, attackBody, {
          "x-vapi-secret": values,
        });
        expect(answer.status, values.join(" | ")).toBe(401);
      }
    });

    it("reads only the first of repeated Authorization headers", async () => {
      // Node keeps the first Authorization header and drops the rest (RFC 9110 allows one).
      const wrongFirst = await postWithHeaderLines(server.url, attackBody, {
        authorization: ["Bearer wrong", `Bearer ${SECRET}`],
      });
      expect(wrongFirst.status).toBe(401);
      const rightFirst = await postWithHeaderLines(server.url, okBody(), {
        authorization: [`Bearer ${SECRET}`, "Bearer wrong"],
      });
      expect(rightFirst.status).toBe(200);
    });

    it("answers a malformed header line with Fastify's 400 and stays up", async () => {
      const body = "{}";
      const answer = await rawExchange(
        server.url,
        `POST /vapi/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
          `X-Vapi-Secret : ${SECRET}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    });
  });

  describe("oversized headers", () => {
    // Node's default limit on the whole header block is 16 KiB (--max-http-header-size). Past
    // it, Node's parser fails before any route or hook runs and Fastify's default clientError
    // handler writes 431 with its own small JSON body ({error,message,statusCode}: there is no
    // request, hence no request id and not our error shape), logs at trace only, and closes
    // that connection. Other connections are unaffected.
    const request = (headerLines: string) =>
      `POST /vapi/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
      `${headerLines}Content-Length: 2\r\n\r\n{}`;

    it("answers one 20 KB credential header with 431 and closes the connection", async () => {
      const answer = await rawExchange(
        server.url,
        request(`X-Vapi-Secret: ${"a".repeat(20_000)}\r\n`),
      );
      expect(answer).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
      const body = answer.slice(answer.indexOf("\r\n\r\n") + 4);
      expect(JSON.parse(body)).toEqual({
        error: "Request Header Fields Too Large",
        message: "Exceeded maximum allowed HTTP header size",
        statusCode: 431,
      });
    });

    it("answers many small headers adding up past the limit with 431", async () => {
      const lines = Array.from({ length: 800 }, (_, i) => `X-Pad-${i}: ${"p".repeat(20)}\r\n`).join(
        "",
      );
      expect(await rawExchange(server.url, request(lines))).toMatch(/^HTTP\/1\.1 431 /);
    });

    it("answers fetch's oversized Authorization with 431 too", async () => {
      const response = await server.postWebhook(attackBody, {
        authorization: `Bearer ${"b".repeat(32 * 1024)}`,
      });
      expect(response.status).toBe(431);
    });

    it("still rejects a 15 KB credential just under the limit with an ordinary 401", async () => {
      await expectRejected(
        await server.postWebhook(attackBody, { "x-vapi-secret": "c".repeat(15_000) }),
        "secret-mismatch",
      );
    });

    it("stays up and keeps answering real requests", async () => {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const body = JSON.stringify(assistantRequest(callTo(tenantA)));
      expect((await server.postWebhook(body, { "x-vapi-secret": SECRET })).status).toBe(200);
    });
  });

  it("let no attack act: no tenant attacked has a message", async () => {
    for (const tenant of [tenantA, tenantB, tenantC]) expect(await messagesOf(tenant)).toEqual([]);
  });

  it("never logged a secret, a key or a credential header", () => {
    const text = JSON.stringify(server.logs);
    for (const secret of [SECRET, HMAC_KEY, A_SECRET, A_HMAC, B_SECRET]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/authorization|x-vapi-secret|x-signature/i);
  });
});
