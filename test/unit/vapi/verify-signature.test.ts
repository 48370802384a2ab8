import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadConfig, type WebhookAuthConfig } from "../../../src/config.js";
import {
  verifyWebhook,
  type HeaderBag,
  type VerifyOutcome,
} from "../../../src/vapi/verify-signature.js";
import { signHmac } from "../../helpers/sign.js";

// 25 November 2026 00:00:00 UTC, pinned so windows are exact.
const NOW_MS = Date.parse("2026-11-25T00:00:00Z");
const NOW_S = NOW_MS / 1000;
const BODY = '{"message":{"type":"assistant-request","call":{"id":"c1"}}}';

function authFrom(env: Record<string, string>): WebhookAuthConfig {
  return loadConfig({ NODE_ENV: "test", ...env }).auth;
}

function verify(
  auth: WebhookAuthConfig,
  headers: HeaderBag,
  body: string | Buffer = BODY,
  nowMs = NOW_MS,
): VerifyOutcome {
  return verifyWebhook(
    { rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8"), headers, nowMs },
    { secrets: auth.secrets, hmacSecrets: auth.hmac.secrets },
    auth,
  );
}

/** Node lower-cases incoming header names; the verifier receives them that way. */
function lower(headers: Record<string, string>): HeaderBag {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

describe("verifyWebhook: shared secrets", () => {
  const auth = authFrom({
    VAPI_SECRET: " old-secret-0001 , new-secret-0002 ",
    VAPI_SECRET_HEADER: "X-Receptionist-Token",
  });

  it("accepts the secret in X-Vapi-Secret", () => {
    expect(verify(auth, { "x-vapi-secret": "old-secret-0001" })).toEqual({
      ok: true,
      method: "secret",
    });
  });

  it("accepts the second secret of the rotation list", () => {
    expect(verify(auth, { "x-vapi-secret": "new-secret-0002" })).toMatchObject({ ok: true });
  });

  it("accepts Authorization: Bearer in any case with extra whitespace", () => {
    for (const value of [
      "Bearer new-secret-0002",
      "bearer new-secret-0002",
      "BEARER   new-secret-0002  ",
    ]) {
      expect(verify(auth, { authorization: value })).toEqual({ ok: true, method: "bearer" });
    }
  });

  it("accepts the secret in the configured custom header, bare or with Bearer", () => {
    expect(verify(auth, { "x-receptionist-token": "old-secret-0001" })).toMatchObject({
      ok: true,
    });
    expect(verify(auth, { "x-receptionist-token": "Bearer old-secret-0001" })).toMatchObject({
      ok: true,
    });
  });

  it("trims whitespace around a header value", () => {
    expect(verify(auth, { "x-vapi-secret": "  old-secret-0001\t" })).toMatchObject({ ok: true });
  });

  it("uses the first value when a header is repeated", () => {
    expect(verify(auth, { "x-vapi-secret": ["old-secret-0001", "junk"] })).toMatchObject({
      ok: true,
    });
  });

  it("rejects a missing secret", () => {
    expect(verify(auth, {})).toEqual({ ok: false, reason: "missing-credentials" });
    expect(verify(auth, { "x-vapi-secret": "   " })).toEqual({
      ok: false,
      reason: "missing-credentials",
    });
  });

  it("rejects a wrong secret of any length without throwing", () => {
    for (const wrong of [
      "x",
      "old-secret-000",
      "old-secret-00011",
      "OLD-SECRET-0001",
      "a".repeat(5000),
    ]) {
      expect(verify(auth, { "x-vapi-secret": wrong })).toEqual({
        ok: false,
        reason: "secret-mismatch",
      });
    }
  });

  it("does not accept the whole comma-separated list as one secret", () => {
    expect(verify(auth, { "x-vapi-secret": "old-secret-0001,new-secret-0002" })).toMatchObject({
      ok: false,
    });
  });

  it("rejects Authorization schemes other than Bearer", () => {
    expect(verify(auth, { authorization: "Basic old-secret-0001" })).toEqual({
      ok: false,
      reason: "missing-credentials",
    });
    expect(verify(auth, { authorization: "old-secret-0001" })).toMatchObject({ ok: false });
  });

  it("accepts when any one presented credential matches", () => {
    expect(
      verify(auth, { "x-vapi-secret": "wrong", authorization: "Bearer new-secret-0002" }),
    ).toEqual({ ok: true, method: "bearer" });
  });

  it("does not look at the custom header when none is configured", () => {
    const plain = authFrom({ VAPI_SECRET: "old-secret-0001" });
    expect(verify(plain, { "x-receptionist-token": "old-secret-0001" })).toMatchObject({
      ok: false,
    });
  });
});

describe("verifyWebhook: HMAC", () => {
  const keys = { VAPI_HMAC_SECRET: "hmac-key-one,hmac-key-two" };
  const auth = authFrom(keys);
  const sign = (options: Partial<Parameters<typeof signHmac>[1]> = {}, body = BODY) =>
    signHmac(body, { secret: "hmac-key-one", timestamp: NOW_S, ...options });

  it("accepts a valid default signature (sha256, hex, seconds)", () => {
    expect(verify(auth, sign())).toEqual({ ok: true, method: "hmac" });
  });

  it("signs exactly `{timestamp}.{raw body}`", () => {
    const signature = createHmac("sha256", "hmac-key-one").update(`${NOW_S}.${BODY}`).digest("hex");
    expect(verify(auth, { "x-signature": signature, "x-timestamp": String(NOW_S) })).toMatchObject({
      ok: true,
    });
  });

  it("verifies the raw bytes, including non-ASCII text and odd spacing", () => {
    const body = Buffer.from('{ "message" : { "type":"hang", "note":"café ☕" } }\n', "utf8");
    expect(verify(auth, sign({}, body.toString("utf8")), body)).toMatchObject({ ok: true });
  });

  it("accepts the second key of the rotation list", () => {
    expect(verify(auth, sign({ secret: "hmac-key-two" }))).toMatchObject({ ok: true });
  });

  it("rejects a signature made with an unknown key", () => {
    expect(verify(auth, sign({ secret: "hmac-key-three" }))).toEqual({
      ok: false,
      reason: "signature-mismatch",
    });
  });

  it("rejects a tampered body", () => {
    const headers = sign();
    expect(verify(auth, headers, BODY.replace("c1", "c2"))).toEqual({
      ok: false,
      reason: "signature-mismatch",
    });
    expect(verify(auth, headers, `${BODY} `)).toMatchObject({ ok: false });
  });

  it("rejects a signature replayed with a different timestamp", () => {
    const headers = sign();
    expect(verify(auth, { ...headers, "x-timestamp": String(NOW_S + 1) })).toEqual({
      ok: false,
      reason: "signature-mismatch",
    });
  });

  it("accepts timestamps in milliseconds", () => {
    expect(verify(auth, sign({ timestamp: NOW_MS }))).toMatchObject({ ok: true });
    expect(verify(auth, sign({ timestamp: NOW_MS - 299_000 }))).toMatchObject({ ok: true });
  });

  it("accepts timestamps anywhere inside the tolerance, both directions", () => {
    expect(verify(auth, sign({ timestamp: NOW_S - 300 }))).toMatchObject({ ok: true });
    expect(verify(auth, sign({ timestamp: NOW_S + 300 }))).toMatchObject({ ok: true });
  });

  it("rejects old and future timestamps in seconds and milliseconds", () => {
    for (const timestamp of [NOW_S - 301, NOW_S + 301, NOW_MS - 301_000, NOW_MS + 301_000, 1]) {
      expect(verify(auth, sign({ timestamp }))).toEqual({
        ok: false,
        reason: "timestamp-outside-tolerance",
      });
    }
  });

  it("honours VAPI_HMAC_TOLERANCE_SECONDS", () => {
    const strict = authFrom({ ...keys, VAPI_HMAC_TOLERANCE_SECONDS: "10" });
    expect(verify(strict, sign({ timestamp: NOW_S - 10 }))).toMatchObject({ ok: true });
    expect(verify(strict, sign({ timestamp: NOW_S - 11 }))).toMatchObject({
      reason: "timestamp-outside-tolerance",
    });
  });

  it("rejects missing and malformed signature or timestamp headers", () => {
    const headers = sign();
    expect(verify(auth, {})).toEqual({ ok: false, reason: "signature-missing" });
    expect(verify(auth, { "x-timestamp": String(NOW_S) })).toEqual({
      ok: false,
      reason: "signature-missing",
    });
    expect(verify(auth, { "x-signature": headers["x-signature"] ?? "" })).toEqual({
      ok: false,
      reason: "timestamp-missing",
    });
    for (const timestamp of ["yesterday", "-5", "1e9", "0x10", ""]) {
      expect(verify(auth, { ...headers, "x-timestamp": timestamp })).toMatchObject({ ok: false });
    }
    expect(verify(auth, { ...headers, "x-timestamp": "soon" })).toEqual({
      ok: false,
      reason: "timestamp-malformed",
    });
    expect(verify(auth, { ...headers, "x-signature": "not hex!" })).toEqual({
      ok: false,
      reason: "signature-malformed",
    });
    expect(verify(auth, { ...headers, "x-signature": "abc" })).toEqual({
      ok: false,
      reason: "signature-malformed",
    });
  });

  it("rejects a well-formed signature of the wrong length without throwing", () => {
    const short = createHmac("sha1", "hmac-key-one").update(`${NOW_S}.${BODY}`).digest("hex");
    expect(verify(auth, { "x-signature": short, "x-timestamp": String(NOW_S) })).toEqual({
      ok: false,
      reason: "signature-mismatch",
    });
  });

  it("accepts an upper-case hex signature", () => {
    const headers = sign();
    expect(
      verify(auth, { ...headers, "x-signature": (headers["x-signature"] ?? "").toUpperCase() }),
    ).toMatchObject({ ok: true });
  });

  describe.each(["sha256", "sha512", "sha1"] as const)("algorithm %s", (algorithm) => {
    it.each(["hex", "base64"] as const)(
      "verifies %s signatures and rejects a tampered body",
      (encoding) => {
        const configured = authFrom({
          ...keys,
          VAPI_HMAC_ALGORITHM: algorithm,
          VAPI_HMAC_ENCODING: encoding,
        });
        const headers = sign({ algorithm, encoding, secret: "hmac-key-two" });
        expect(verify(configured, headers)).toEqual({ ok: true, method: "hmac" });
        expect(verify(configured, headers, BODY.replace("assistant", "assistant "))).toEqual({
          ok: false,
          reason: "signature-mismatch",
        });
        // The same key under another algorithm is not accepted.
        const other = algorithm === "sha256" ? "sha512" : "sha256";
        expect(verify(configured, sign({ algorithm: other, encoding }))).toMatchObject({
          ok: false,
        });
      },
    );
  });

  it("accepts base64url signatures when the encoding is base64", () => {
    const configured = authFrom({ ...keys, VAPI_HMAC_ENCODING: "base64" });
    const digest = createHmac("sha256", "hmac-key-one")
      .update(`${NOW_S}.${BODY}`)
      .digest("base64url");
    expect(
      verify(configured, { "x-signature": digest, "x-timestamp": String(NOW_S) }),
    ).toMatchObject({ ok: true });
  });

  it("requires the configured prefix, matching it case-insensitively", () => {
    const configured = authFrom({ ...keys, VAPI_HMAC_PREFIX: "sha256=" });
    expect(verify(configured, sign({ prefix: "sha256=" }))).toMatchObject({ ok: true });
    expect(verify(configured, sign({ prefix: "SHA256=" }))).toMatchObject({ ok: true });
    expect(verify(configured, sign())).toEqual({ ok: false, reason: "signature-malformed" });
    expect(verify(configured, sign({ prefix: "sha512=" }))).toEqual({
      ok: false,
      reason: "signature-malformed",
    });
  });

  it("reads the configured header names whatever case they were configured in", () => {
    const configured = authFrom({
      ...keys,
      VAPI_HMAC_SIGNATURE_HEADER: "X-Vapi-Signature",
      VAPI_HMAC_TIMESTAMP_HEADER: "X-Vapi-Timestamp",
    });
    const headers = lower(
      sign({ signatureHeader: "X-Vapi-Signature", timestampHeader: "X-Vapi-Timestamp" }),
    );
    expect(verify(configured, headers)).toMatchObject({ ok: true });
    // The default header names are no longer read.
    expect(verify(configured, sign())).toMatchObject({ ok: false });
  });
});

describe("verifyWebhook: secrets and HMAC together", () => {
  const auth = authFrom({ VAPI_SECRET: "shared-secret-01", VAPI_HMAC_SECRET: "hmac-key-one" });

  it("accepts either credential", () => {
    expect(verify(auth, { "x-vapi-secret": "shared-secret-01" })).toMatchObject({ ok: true });
    expect(
      verify(auth, signHmac(BODY, { secret: "hmac-key-one", timestamp: NOW_S })),
    ).toMatchObject({ ok: true, method: "hmac" });
  });

  it("reports the more telling reason when both fail", () => {
    expect(verify(auth, { "x-vapi-secret": "nope" })).toEqual({
      ok: false,
      reason: "secret-mismatch",
    });
    expect(
      verify(auth, signHmac(BODY, { secret: "hmac-key-one", timestamp: NOW_S - 3600 })),
    ).toEqual({ ok: false, reason: "timestamp-outside-tolerance" });
  });
});

describe("verifyWebhook: no credentials", () => {
  it("fails closed when called with empty credential lists", () => {
    const auth = authFrom({});
    expect(verify(auth, { "x-vapi-secret": "anything" })).toEqual({
      ok: false,
      reason: "missing-credentials",
    });
  });
});
