import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { createRequestSigning } from "../../../src/simulator/sign-request.js";
import { verifyWebhook } from "../../../src/vapi/verify-signature.js";

const BODY = Buffer.from('{"message":{"type":"status-update"}}\n');

function verify(env: Record<string, string>, method?: "secret" | "bearer" | "hmac") {
  const auth = loadConfig({ NODE_ENV: "test", ...env }).auth;
  const signing = createRequestSigning(auth, method);
  const headers = signing.sign(BODY, Date.now());
  const verdict = verifyWebhook(
    { rawBody: BODY, headers, nowMs: Date.now() },
    { secrets: auth.secrets, hmacSecrets: auth.hmac.secrets },
    auth,
  );
  return { method: signing.method, headers, verdict };
}

describe("createRequestSigning", () => {
  it("signs with HMAC by default when HMAC keys are configured, as the server verifies it", () => {
    const { method, headers, verdict } = verify({ VAPI_HMAC_SECRET: "k1,k2", VAPI_SECRET: "s" });
    expect(method).toBe("hmac");
    expect(Object.keys(headers).sort()).toEqual(["x-signature", "x-timestamp"]);
    expect(verdict).toEqual({ ok: true, method: "hmac" });
  });

  it("follows the configured algorithm, encoding, prefix and header names", () => {
    const { headers, verdict } = verify({
      VAPI_HMAC_SECRET: "key",
      VAPI_HMAC_ALGORITHM: "sha512",
      VAPI_HMAC_ENCODING: "base64",
      VAPI_HMAC_PREFIX: "sha512=",
      VAPI_HMAC_SIGNATURE_HEADER: "X-Hub-Signature",
      VAPI_HMAC_TIMESTAMP_HEADER: "X-Hub-Time",
    });
    expect(headers["x-hub-signature"]).toMatch(/^sha512=[A-Za-z0-9+/]+=*$/);
    expect(headers["x-hub-time"]).toMatch(/^\d+$/);
    expect(verdict.ok).toBe(true);
  });

  it("sends the shared secret as X-Vapi-Secret, or as a bearer token", () => {
    expect(verify({ VAPI_SECRET: "shared" })).toMatchObject({
      method: "secret",
      headers: { "x-vapi-secret": "shared" },
      verdict: { ok: true, method: "secret" },
    });
    expect(verify({ VAPI_SECRET: "shared" }, "bearer")).toMatchObject({
      headers: { authorization: "Bearer shared" },
      verdict: { ok: true, method: "bearer" },
    });
  });

  it("signs nothing without credentials, and refuses a method that has none", () => {
    const auth = loadConfig({ NODE_ENV: "test" }).auth;
    expect(createRequestSigning(auth).method).toBe("none");
    expect(createRequestSigning(auth).sign(BODY)).toEqual({});
    expect(() => createRequestSigning(auth, "hmac")).toThrow(/VAPI_HMAC_SECRET/);
    expect(() => createRequestSigning(auth, "bearer")).toThrow(/VAPI_SECRET/);
  });
});
