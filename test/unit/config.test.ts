import { describe, expect, it } from "vitest";
import { ConfigError, isWebhookAuthConfigured, loadConfig } from "../../src/config.js";

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected loadConfig to throw a ConfigError");
}

describe("loadConfig", () => {
  it("applies the documented defaults to an empty environment", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: "development",
      port: 3000,
      host: "0.0.0.0",
      databaseUrl: "./data/frontdesk.db",
      sqliteCheckpoints: "inline",
      webhookReadThreads: 0,
      redisUrl: undefined,
      adminToken: undefined,
      logLevel: "info",
      bodyLimitBytes: 10 * 1024 * 1024,
      publicUrl: undefined,
      assistantRequestBudgetMs: 2000,
      toolCallBudgetMs: 10_000,
      tenantCache: { ttlSeconds: 300, maxEntries: 100_000 },
      fallback: {
        assistantId: undefined,
        message: "Sorry, this number is not in service right now. Please try again later.",
      },
      defaults: {
        model: { provider: "openai", model: "gpt-4o-mini" },
        voice: { provider: "deepgram", voiceId: "hyperion", model: "aura-2" },
      },
    });
    expect(config.auth).toEqual({
      secrets: [],
      secretHeader: undefined,
      hmac: {
        secrets: [],
        algorithm: "sha256",
        signatureHeader: "x-signature",
        timestampHeader: "x-timestamp",
        encoding: "hex",
        prefix: "",
        toleranceSeconds: 300,
      },
      allowUnauthenticated: false,
    });
    expect(isWebhookAuthConfigured(config.auth)).toBe(false);
  });

  it("reads every variable it documents", () => {
    const config = loadConfig({
      NODE_ENV: "production",
      PORT: "8080",
      HOST: "127.0.0.1",
      DATABASE_URL: "postgres://u@db/frontdesk",
      SQLITE_CHECKPOINTS: "background",
      WEBHOOK_READ_THREADS: "2",
      REDIS_URL: "redis://127.0.0.1:6380",
      ADMIN_TOKEN: "0123456789abcdef",
      LOG_LEVEL: "warn",
      BODY_LIMIT_BYTES: "2048",
      PUBLIC_URL: "https://frontdesk.example.com//",
      VAPI_SECRET: "s1",
      VAPI_SECRET_HEADER: "X-Receptionist-Token",
      VAPI_HMAC_SECRET: "k1",
      VAPI_HMAC_ALGORITHM: "sha512",
      VAPI_HMAC_SIGNATURE_HEADER: "X-Vapi-Signature",
      VAPI_HMAC_TIMESTAMP_HEADER: "X-Vapi-Timestamp",
      VAPI_HMAC_ENCODING: "base64",
      VAPI_HMAC_PREFIX: "sha512=",
      VAPI_HMAC_TOLERANCE_SECONDS: "60",
      ASSISTANT_REQUEST_BUDGET_MS: "1500",
      TOOL_CALL_BUDGET_MS: "5000",
      TENANT_CACHE_TTL_SECONDS: "30",
      TENANT_CACHE_MAX_ENTRIES: "1000",
      FALLBACK_ASSISTANT_ID: "asst_123",
      FALLBACK_MESSAGE: "  Closed.  ",
      DEFAULT_MODEL: "gpt-4.1-mini",
      DEFAULT_VOICE_PROVIDER: "11labs",
      DEFAULT_VOICE_ID: "voice-abc",
    });
    expect(config).toMatchObject({
      nodeEnv: "production",
      port: 8080,
      host: "127.0.0.1",
      databaseUrl: "postgres://u@db/frontdesk",
      sqliteCheckpoints: "background",
      webhookReadThreads: 2,
      redisUrl: "redis://127.0.0.1:6380",
      adminToken: "0123456789abcdef",
      logLevel: "warn",
      bodyLimitBytes: 2048,
      publicUrl: "https://frontdesk.example.com",
      assistantRequestBudgetMs: 1500,
      toolCallBudgetMs: 5000,
      tenantCache: { ttlSeconds: 30, maxEntries: 1000 },
      fallback: { assistantId: "asst_123", message: "Closed." },
      defaults: {
        model: { provider: "openai", model: "gpt-4.1-mini" },
        voice: { provider: "11labs", voiceId: "voice-abc" },
      },
      auth: {
        secrets: ["s1"],
        secretHeader: "x-receptionist-token",
        hmac: {
          secrets: ["k1"],
          algorithm: "sha512",
          signatureHeader: "x-vapi-signature",
          timestampHeader: "x-vapi-timestamp",
          encoding: "base64",
          prefix: "sha512=",
          toleranceSeconds: 60,
        },
      },
    });
  });

  it("trims comma-separated secret lists and drops empty entries", () => {
    const config = loadConfig({
      VAPI_SECRET: " first-secret ,second-secret,, ,third ",
      VAPI_HMAC_SECRET: ",key-a ,  key-b,",
    });
    expect(config.auth.secrets).toEqual(["first-secret", "second-secret", "third"]);
    expect(config.auth.hmac.secrets).toEqual(["key-a", "key-b"]);
    expect(isWebhookAuthConfigured(config.auth)).toBe(true);
  });

  it("treats a list of only commas and spaces as no secret", () => {
    const config = loadConfig({ VAPI_SECRET: " , ,", VAPI_HMAC_SECRET: "" });
    expect(isWebhookAuthConfigured(config.auth)).toBe(false);
  });

  it("treats blank optional variables as unset", () => {
    const config = loadConfig({
      REDIS_URL: "",
      ADMIN_TOKEN: "  ",
      PUBLIC_URL: "",
      VAPI_SECRET_HEADER: "",
    });
    expect(config.redisUrl).toBeUndefined();
    expect(config.adminToken).toBeUndefined();
    expect(config.publicUrl).toBeUndefined();
    expect(config.auth.secretHeader).toBeUndefined();
  });

  it("returns a deep-frozen object", () => {
    const config = loadConfig({ VAPI_SECRET: "a,b", VAPI_HMAC_SECRET: "k" });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.auth)).toBe(true);
    expect(Object.isFrozen(config.auth.secrets)).toBe(true);
    expect(Object.isFrozen(config.auth.hmac)).toBe(true);
    expect(Object.isFrozen(config.auth.hmac.secrets)).toBe(true);
    expect(Object.isFrozen(config.tenantCache)).toBe(true);
    expect(Object.isFrozen(config.fallback)).toBe(true);
    expect(Object.isFrozen(config.defaults.voice)).toBe(true);
    expect(Object.isFrozen(config.defaults.model)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.auth.secrets as string[]).push("injected");
    }).toThrow(TypeError);
  });

  it("reads only the object it is given", () => {
    const before = { ...process.env };
    const config = loadConfig({ PORT: "4321" });
    expect(config.port).toBe(4321);
    expect(process.env).toEqual(before);
  });

  it("lists every bad variable in one ConfigError", () => {
    const error = configError({
      PORT: "not-a-port",
      LOG_LEVEL: "loud",
      VAPI_HMAC_ALGORITHM: "md5",
      VAPI_HMAC_ENCODING: "binary",
      BODY_LIMIT_BYTES: "12",
      REDIS_URL: "http://not-redis",
      ADMIN_TOKEN: "short",
      VAPI_SECRET_HEADER: "bad header!",
    });
    expect(error.name).toBe("ConfigError");
    const variables = error.problems.map((problem) => problem.split(":")[0]);
    expect(variables).toEqual(
      expect.arrayContaining([
        "PORT",
        "LOG_LEVEL",
        "VAPI_HMAC_ALGORITHM",
        "VAPI_HMAC_ENCODING",
        "BODY_LIMIT_BYTES",
        "REDIS_URL",
        "ADMIN_TOKEN",
        "VAPI_SECRET_HEADER",
      ]),
    );
    for (const variable of variables) expect(error.message).toContain(`  - ${variable}:`);
  });

  it("reports cross-variable problems together with the per-variable ones", () => {
    const error = configError({
      NODE_ENV: "production",
      PORT: "-1",
      DEFAULT_VOICE_PROVIDER: "deepgram",
      DEFAULT_VOICE_ID: "not-a-deepgram-voice",
    });
    const text = error.problems.join("\n");
    expect(text).toContain("PORT");
    expect(text).toContain("DEFAULT_VOICE_ID");
    expect(text).toContain("VAPI_SECRET");
  });

  it("rejects a Deepgram default voice that Vapi does not offer", () => {
    const error = configError({ DEFAULT_VOICE_ID: "not-a-deepgram-voice" });
    expect(error.problems).toEqual([
      'DEFAULT_VOICE_ID: "not-a-deepgram-voice" is not a deepgram voice',
    ]);
  });

  it("refuses to start in production without webhook authentication", () => {
    const error = configError({ NODE_ENV: "production" });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/VAPI_SECRET.*VAPI_ALLOW_UNAUTHENTICATED=true/);
  });

  it("starts in production without auth only when explicitly allowed", () => {
    const config = loadConfig({ NODE_ENV: "production", VAPI_ALLOW_UNAUTHENTICATED: "true" });
    expect(config.auth.allowUnauthenticated).toBe(true);
    expect(() =>
      loadConfig({ NODE_ENV: "production", VAPI_ALLOW_UNAUTHENTICATED: "false" }),
    ).toThrow(ConfigError);
    expect(() =>
      loadConfig({ NODE_ENV: "production", VAPI_ALLOW_UNAUTHENTICATED: "maybe" }),
    ).toThrow(ConfigError);
  });

  it("starts in production with either kind of credential", () => {
    expect(loadConfig({ NODE_ENV: "production", VAPI_SECRET: "s" }).nodeEnv).toBe("production");
    expect(loadConfig({ NODE_ENV: "production", VAPI_HMAC_SECRET: "k" }).nodeEnv).toBe(
      "production",
    );
  });

  it("accepts no authentication outside production", () => {
    for (const NODE_ENV of ["development", "test"]) {
      expect(isWebhookAuthConfigured(loadConfig({ NODE_ENV }).auth)).toBe(false);
    }
  });

  it("parses boolean flags strictly", () => {
    for (const value of ["true", "1", "yes"]) {
      expect(loadConfig({ VAPI_ALLOW_UNAUTHENTICATED: value }).auth.allowUnauthenticated).toBe(
        true,
      );
    }
    for (const value of ["false", "0", "no", ""]) {
      expect(loadConfig({ VAPI_ALLOW_UNAUTHENTICATED: value }).auth.allowUnauthenticated).toBe(
        false,
      );
    }
  });

  it("bounds the numeric settings", () => {
    expect(configError({ ASSISTANT_REQUEST_BUDGET_MS: "8000" }).problems[0]).toMatch(
      /^ASSISTANT_REQUEST_BUDGET_MS:/,
    );
    expect(configError({ VAPI_HMAC_TOLERANCE_SECONDS: "0" }).problems[0]).toMatch(
      /^VAPI_HMAC_TOLERANCE_SECONDS:/,
    );
    expect(configError({ PORT: "70000" }).problems[0]).toMatch(/^PORT:/);
    expect(configError({ PORT: "3.5" }).problems[0]).toMatch(/^PORT:/);
    expect(configError({ WEBHOOK_READ_THREADS: "-1" }).problems[0]).toMatch(
      /^WEBHOOK_READ_THREADS:/,
    );
    expect(configError({ WEBHOOK_READ_THREADS: "17" }).problems[0]).toMatch(
      /^WEBHOOK_READ_THREADS:/,
    );
  });
});
