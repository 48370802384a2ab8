import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/clock.js";
import { assistantRequest } from "../fixtures/vapi/builders.js";
import { createTenant } from "../helpers/factories.js";
import { signHmac, type HmacSignOptions } from "../helpers/sign.js";
import { startTestServer, type TestServer } from "../helpers/start-server.js";

// Wednesday 25 November 2026 00:00 UTC; the servers' clocks are pinned here.
const NOW_MS = Date.parse("2026-11-25T00:00:00Z");
const NOW_S = NOW_MS / 1000;
const BODY = JSON.stringify(assistantRequest());

const SECRETS = ["old-secret-0001-abcdef", "new-secret-0002-ghijkl"];
const HMAC_KEYS = ["hmac-key-one-mnopqr", "hmac-key-two-stuvwx"];

async function expectAccepted(response: Response): Promise<void> {
  expect(response.status).toBe(200);
  // No tenant owns the (absent) number: the spoken fallback proves the handler ran.
  expect(await response.json()).toHaveProperty("error");
}

async function expectUnauthorized(
  server: TestServer,
  response: Response,
  reason: string,
): Promise<void> {
  expect(response.status).toBe(401);
  const requestId = response.headers.get("x-request-id");
  expect(requestId).toBeTruthy();
  expect(await response.json()).toEqual({
    error: { code: "UNAUTHORIZED", message: expect.any(String), requestId },
  });
  const warning = server.logs.find(
    (line) => line.reqId === requestId && line.level === 40 && line.authFailure !== undefined,
  );
  expect(warning).toMatchObject({ authFailure: reason });
}

function expectNoSecretsLogged(server: TestServer, secrets: readonly string[]): void {
  const text = JSON.stringify(server.logs);
  expect(server.logs.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe("shared-secret authentication", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { VAPI_SECRET: ` ${SECRETS.join(" , ")} `, VAPI_SECRET_HEADER: "X-Receptionist-Token" },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("accepts the secret in X-Vapi-Secret", async () => {
    await expectAccepted(await server.postWebhook(BODY, { "X-Vapi-Secret": SECRETS[0] ?? "" }));
  });

  it("accepts the rotated (second) secret", async () => {
    await expectAccepted(await server.postWebhook(BODY, { "x-vapi-secret": SECRETS[1] ?? "" }));
  });

  it("accepts Authorization: Bearer whatever the case of header and scheme", async () => {
    for (const [name, value] of [
      ["Authorization", `Bearer ${SECRETS[1]}`],
      ["authorization", `bearer ${SECRETS[0]}`],
      ["AUTHORIZATION", `BEARER \t ${SECRETS[1]}`],
    ] as const) {
      await expectAccepted(await server.postWebhook(BODY, { [name]: value }));
    }
  });

  it("accepts the secret in the header named by VAPI_SECRET_HEADER", async () => {
    await expectAccepted(
      await server.postWebhook(BODY, { "x-receptionist-token": SECRETS[0] ?? "" }),
    );
    await expectAccepted(
      await server.postWebhook(BODY, { "X-RECEPTIONIST-TOKEN": `Bearer ${SECRETS[1]}` }),
    );
  });

  it("rejects a request without credentials with 401 and logs why", async () => {
    await expectUnauthorized(server, await server.postWebhook(BODY), "missing-credentials");
  });

  it("rejects a wrong secret, including a near miss and the whole list", async () => {
    for (const wrong of [
      "nope",
      `${SECRETS[0]}x`,
      SECRETS.join(","),
      (SECRETS[0] ?? "").toUpperCase(),
    ]) {
      await expectUnauthorized(
        server,
        await server.postWebhook(BODY, { "x-vapi-secret": wrong }),
        "secret-mismatch",
      );
    }
  });

  it("rejects a Basic or scheme-less Authorization header", async () => {
    await expectUnauthorized(
      server,
      await server.postWebhook(BODY, { authorization: `Basic ${SECRETS[0]}` }),
      "missing-credentials",
    );
  });

  it("authenticates before parsing: an unauthenticated bad body gets 401, not 400", async () => {
    await expectUnauthorized(server, await server.postWebhook("{not json"), "missing-credentials");
    await expectUnauthorized(server, await server.postWebhook("[]"), "missing-credentials");
    const authenticated = await server.postWebhook("{not json", {
      "x-vapi-secret": SECRETS[0] ?? "",
    });
    expect(authenticated.status).toBe(400);
  });

  it("does not answer with a tenant's assistant to an unauthenticated request", async () => {
    const tenant = await createTenant(server.deps);
    const phone = tenant.phoneNumbers[0];
    const body = assistantRequest({
      vapiPhoneNumberId: phone?.vapiPhoneNumberId,
      number: phone?.number,
    });
    const rejected = await server.postWebhook(body, { "x-vapi-secret": "wrong" });
    expect(rejected.status).toBe(401);
    expect(JSON.stringify(await rejected.json())).not.toContain(tenant.name);
    const accepted = await server.postWebhook(body, { "x-vapi-secret": SECRETS[0] ?? "" });
    expect(accepted.status).toBe(200);
    expect(JSON.stringify(await accepted.json())).toContain(tenant.name);
  });

  it("never writes a secret to the logs", () => {
    expectNoSecretsLogged(server, SECRETS);
  });
});

describe("HMAC authentication (defaults: sha256, hex, x-signature, x-timestamp)", () => {
  let server: TestServer;
  const sign = (options: Partial<HmacSignOptions> = {}, body: string = BODY) =>
    signHmac(body, { secret: HMAC_KEYS[0] ?? "", timestamp: NOW_S, ...options });

  beforeAll(async () => {
    server = await startTestServer({
      env: { VAPI_HMAC_SECRET: HMAC_KEYS.join(",") },
      clock: fixedClock(NOW_MS),
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("accepts a valid signature with a timestamp in seconds", async () => {
    await expectAccepted(await server.postWebhook(BODY, sign()));
  });

  it("accepts a valid signature with a timestamp in milliseconds", async () => {
    await expectAccepted(await server.postWebhook(BODY, sign({ timestamp: NOW_MS })));
  });

  it("accepts a signature made with the rotated (second) key", async () => {
    await expectAccepted(await server.postWebhook(BODY, sign({ secret: HMAC_KEYS[1] ?? "" })));
  });

  it("accepts upper-case header names", async () => {
    const headers = sign();
    await expectAccepted(
      await server.postWebhook(BODY, {
        "X-SIGNATURE": headers["x-signature"] ?? "",
        "X-Timestamp": headers["x-timestamp"] ?? "",
      }),
    );
  });

  it("rejects a missing signature", async () => {
    await expectUnauthorized(server, await server.postWebhook(BODY), "signature-missing");
  });

  it("rejects a missing timestamp", async () => {
    const { "x-signature": signature = "" } = sign();
    await expectUnauthorized(
      server,
      await server.postWebhook(BODY, { "x-signature": signature }),
      "timestamp-missing",
    );
  });

  it("rejects a tampered body", async () => {
    const headers = sign();
    await expectUnauthorized(
      server,
      await server.postWebhook(BODY.replace("assistant-request", "assistant-requesT"), headers),
      "signature-mismatch",
    );
    await expectUnauthorized(
      server,
      await server.postWebhook(`${BODY}\n`, headers),
      "signature-mismatch",
    );
  });

  it("rejects a signature from an unknown key", async () => {
    await expectUnauthorized(
      server,
      await server.postWebhook(BODY, sign({ secret: "someone-elses-key" })),
      "signature-mismatch",
    );
  });

  it("rejects old and future timestamps, in seconds and milliseconds", async () => {
    for (const timestamp of [NOW_S - 301, NOW_S + 301, NOW_MS - 301_000, NOW_MS + 301_000]) {
      await expectUnauthorized(
        server,
        await server.postWebhook(BODY, sign({ timestamp })),
        "timestamp-outside-tolerance",
      );
    }
  });

  it("accepts timestamps at the edge of the default 300 s window", async () => {
    await expectAccepted(await server.postWebhook(BODY, sign({ timestamp: NOW_S - 300 })));
    await expectAccepted(await server.postWebhook(BODY, sign({ timestamp: NOW_MS + 300_000 })));
  });

  it("rejects a malformed timestamp and signature", async () => {
    await expectUnauthorized(
      server,
      await server.postWebhook(BODY, { ...sign(), "x-timestamp": "yesterday" }),
      "timestamp-malformed",
    );
    await expectUnauthorized(
      server,
      await server.postWebhook(BODY, { ...sign(), "x-signature": "zz-not-hex" }),
      "signature-malformed",
    );
  });

  it("does not accept a shared-secret header when only HMAC is configured", async () => {
    const response = await server.postWebhook(BODY, { "x-vapi-secret": HMAC_KEYS[0] ?? "" });
    expect(response.status).toBe(401);
  });

  it("never writes a key to the logs", () => {
    expectNoSecretsLogged(server, HMAC_KEYS);
  });
});

describe.each([
  ["sha256", "hex"],
  ["sha256", "base64"],
  ["sha512", "hex"],
  ["sha512", "base64"],
  ["sha1", "hex"],
  ["sha1", "base64"],
] as const)("HMAC with %s and %s encoding", (algorithm, encoding) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: {
        VAPI_HMAC_SECRET: HMAC_KEYS.join(","),
        VAPI_HMAC_ALGORITHM: algorithm,
        VAPI_HMAC_ENCODING: encoding,
      },
      clock: fixedClock(NOW_MS),
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("accepts a valid signature from either key", async () => {
    for (const secret of HMAC_KEYS) {
      await expectAccepted(
        await server.postWebhook(
          BODY,
          signHmac(BODY, { secret, algorithm, encoding, timestamp: NOW_S }),
        ),
      );
    }
  });

  it("rejects a tampered body", async () => {
    const headers = signHmac(BODY, {
      secret: HMAC_KEYS[0] ?? "",
      algorithm,
      encoding,
      timestamp: NOW_S,
    });
    await expectUnauthorized(
      server,
      await server.postWebhook(BODY.replace("{", '{"x":1,'), headers),
      "signature-mismatch",
    );
  });

  it("rejects a signature made with another algorithm or encoding", async () => {
    const otherAlgorithm = algorithm === "sha512" ? "sha256" : "sha512";
    const otherEncoding = encoding === "hex" ? "base64" : "hex";
    for (const headers of [
      signHmac(BODY, {
        secret: HMAC_KEYS[0] ?? "",
        algorithm: otherAlgorithm,
        encoding,
        timestamp: NOW_S,
      }),
      signHmac(BODY, {
        secret: HMAC_KEYS[0] ?? "",
        algorithm,
        encoding: otherEncoding,
        timestamp: NOW_S,
      }),
    ]) {
      const response = await server.postWebhook(BODY, headers);
      expect(response.status).toBe(401);
    }
  });
});

describe("HMAC with a prefix, custom header names and a tighter window", () => {
  let server: TestServer;
  const headersFor = (options: Partial<HmacSignOptions> = {}) =>
    signHmac(BODY, {
      secret: HMAC_KEYS[1] ?? "",
      prefix: "sha256=",
      signatureHeader: "X-Vapi-Signature",
      timestampHeader: "X-Vapi-Timestamp",
      timestamp: NOW_MS,
      ...options,
    });

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        VAPI_HMAC_SECRET: HMAC_KEYS.join(","),
        VAPI_HMAC_PREFIX: "sha256=",
        VAPI_HMAC_SIGNATURE_HEADER: "X-Vapi-Signature",
        VAPI_HMAC_TIMESTAMP_HEADER: "X-VAPI-TIMESTAMP",
        VAPI_HMAC_TOLERANCE_SECONDS: "60",
      },
      clock: fixedClock(NOW_MS),
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("accepts a prefixed signature in the custom headers", async () => {
    await expectAccepted(await server.postWebhook(BODY, headersFor()));
    await expectAccepted(await server.postWebhook(BODY, headersFor({ prefix: "SHA256=" })));
  });

  it("rejects a signature without the prefix", async () => {
    await expectUnauthorized(
      server,
      await server.postWebhook(BODY, headersFor({ prefix: "" })),
      "signature-malformed",
    );
  });

  it("ignores the default header names", async () => {
    await expectUnauthorized(
      server,
      await server.postWebhook(
        BODY,
        signHmac(BODY, { secret: HMAC_KEYS[1] ?? "", prefix: "sha256=", timestamp: NOW_S }),
      ),
      "signature-missing",
    );
  });

  it("applies VAPI_HMAC_TOLERANCE_SECONDS", async () => {
    await expectAccepted(await server.postWebhook(BODY, headersFor({ timestamp: NOW_S - 60 })));
    await expectUnauthorized(
      server,
      await server.postWebhook(BODY, headersFor({ timestamp: NOW_S - 61 })),
      "timestamp-outside-tolerance",
    );
    await expectUnauthorized(
      server,
      await server.postWebhook(BODY, headersFor({ timestamp: NOW_MS + 61_000 })),
      "timestamp-outside-tolerance",
    );
  });
});

describe("shared secret and HMAC together", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { VAPI_SECRET: SECRETS[0], VAPI_HMAC_SECRET: HMAC_KEYS[0] },
      clock: fixedClock(NOW_MS),
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("accepts either credential", async () => {
    await expectAccepted(await server.postWebhook(BODY, { authorization: `Bearer ${SECRETS[0]}` }));
    await expectAccepted(
      await server.postWebhook(
        BODY,
        signHmac(BODY, { secret: HMAC_KEYS[0] ?? "", timestamp: NOW_S }),
      ),
    );
  });

  it("rejects when neither matches", async () => {
    await expectUnauthorized(
      server,
      await server.postWebhook(BODY, { "x-vapi-secret": "wrong" }),
      "secret-mismatch",
    );
  });

  it("never writes a secret or key to the logs", () => {
    expectNoSecretsLogged(server, [SECRETS[0] ?? "", HMAC_KEYS[0] ?? ""]);
  });
});

describe("no webhook authentication configured", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("accepts requests with or without credentials", async () => {
    await expectAccepted(await server.postWebhook(BODY));
    await expectAccepted(await server.postWebhook(BODY, { "x-vapi-secret": "anything" }));
    await expectAccepted(await server.postWebhook(BODY, signHmac(BODY, { secret: "whatever" })));
  });
});
