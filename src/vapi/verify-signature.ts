import { createHmac, timingSafeEqual } from "node:crypto";
import type { WebhookAuthConfig } from "../config.js";

/** The credentials one verification may accept: global ones, or one tenant's (next issue). */
export interface WebhookCredentials {
  secrets: readonly string[];
  hmacSecrets: readonly string[];
}

export type HeaderBag = Record<string, string | string[] | undefined>;

export type VerifyOutcome =
  | { ok: true; method: "secret" | "bearer" | "hmac" | "none" }
  | { ok: false; reason: VerifyFailure };

export type VerifyFailure =
  | "missing-credentials"
  | "secret-mismatch"
  | "signature-missing"
  | "signature-malformed"
  | "signature-mismatch"
  | "timestamp-missing"
  | "timestamp-malformed"
  | "timestamp-outside-tolerance";

export interface VerifyInput {
  rawBody: Buffer;
  headers: HeaderBag;
  nowMs: number;
}

/**
 * Checks a webhook against a set of credentials, on the raw bytes, in constant time per
 * candidate. Shared secrets arrive as `X-Vapi-Secret: <s>`, `Authorization: Bearer <s>` or in the
 * configured custom header; HMAC signs `{timestamp}.{raw body}` (protocol reference §8).
 * A request passes when any accepted secret or HMAC key matches (rotation lists).
 */
export function verifyWebhook(
  input: VerifyInput,
  credentials: WebhookCredentials,
  settings: WebhookAuthConfig,
): VerifyOutcome {
  let failure: VerifyFailure = "missing-credentials";

  if (credentials.secrets.length > 0) {
    const presented = presentedSecrets(input.headers, settings.secretHeader);
    if (presented.length > 0) {
      for (const candidate of presented) {
        if (matchesAny(candidate.value, credentials.secrets))
          return { ok: true, method: candidate.method };
      }
      failure = "secret-mismatch";
    }
  }

  if (credentials.hmacSecrets.length > 0) {
    const outcome = verifyHmac(input, credentials.hmacSecrets, settings.hmac);
    if (outcome.ok) return outcome;
    // A present-but-wrong signature explains more than an absent shared secret.
    if (failure === "missing-credentials" || outcome.reason !== "signature-missing") {
      failure = outcome.reason;
    }
  }

  return { ok: false, reason: failure };
}

function presentedSecrets(
  headers: HeaderBag,
  customHeader: string | undefined,
): { value: string; method: "secret" | "bearer" }[] {
  const found: { value: string; method: "secret" | "bearer" }[] = [];
  const direct = headerValue(headers, "x-vapi-secret");
  if (direct !== undefined) found.push({ value: direct, method: "secret" });
  if (customHeader !== undefined && customHeader !== "x-vapi-secret") {
    const custom = headerValue(headers, customHeader);
    if (custom !== undefined) {
      // A custom header may carry a bare token or, like Vapi's bearer credential, "Bearer <t>".
      found.push({ value: stripBearer(custom) ?? custom, method: "secret" });
    }
  }
  const authorization = headerValue(headers, "authorization");
  if (authorization !== undefined) {
    const token = stripBearer(authorization);
    if (token !== undefined) found.push({ value: token, method: "bearer" });
  }
  return found;
}

function stripBearer(value: string): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(value);
  return match?.[1]?.trim();
}

function verifyHmac(
  input: VerifyInput,
  keys: readonly string[],
  settings: WebhookAuthConfig["hmac"],
): VerifyOutcome {
  const signatureHeader = headerValue(input.headers, settings.signatureHeader);
  if (signatureHeader === undefined) return { ok: false, reason: "signature-missing" };
  const timestampHeader = headerValue(input.headers, settings.timestampHeader);
  if (timestampHeader === undefined) return { ok: false, reason: "timestamp-missing" };

  if (!/^\d{1,16}(\.\d+)?$/.test(timestampHeader))
    return { ok: false, reason: "timestamp-malformed" };
  const numeric = Number(timestampHeader);
  // Vapi does not document the unit; values past 1e12 can only be milliseconds (year 2001+).
  const timestampMs = numeric > 1e12 ? numeric : numeric * 1000;
  if (Math.abs(input.nowMs - timestampMs) > settings.toleranceSeconds * 1000) {
    return { ok: false, reason: "timestamp-outside-tolerance" };
  }

  let signature = signatureHeader;
  if (settings.prefix.length > 0) {
    if (!signature.toLowerCase().startsWith(settings.prefix.toLowerCase())) {
      return { ok: false, reason: "signature-malformed" };
    }
    signature = signature.slice(settings.prefix.length);
  }
  const presented = decodeSignature(signature, settings.encoding);
  if (presented === undefined) return { ok: false, reason: "signature-malformed" };

  const signedPrefix = Buffer.from(`${timestampHeader}.`, "utf8");
  for (const key of keys) {
    const expected = createHmac(settings.algorithm, key)
      .update(signedPrefix)
      .update(input.rawBody)
      .digest();
    if (expected.length === presented.length && timingSafeEqual(expected, presented)) {
      return { ok: true, method: "hmac" };
    }
  }
  return { ok: false, reason: "signature-mismatch" };
}

function decodeSignature(value: string, encoding: "hex" | "base64"): Buffer | undefined {
  const trimmed = value.trim();
  if (encoding === "hex") {
    return /^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length % 2 === 0
      ? Buffer.from(trimmed, "hex")
      : undefined;
  }
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, "base64") : undefined;
}

/**
 * Compares against every accepted secret without returning early, so timing does not reveal
 * which entry (or how much of one) matched.
 */
function matchesAny(candidate: string, accepted: readonly string[]): boolean {
  let matched = false;
  for (const secret of accepted) {
    if (constantTimeEquals(candidate, secret)) matched = true;
  }
  return matched;
}

/**
 * Branch-free comparison whose work depends only on the accepted secret's length: neither the
 * content nor the length of what was presented changes its timing. (Cheaper than hashing both
 * sides, which was a tenth of the hot path's CPU.) Past its end, `charCodeAt` gives NaN, which
 * the bitwise operators read as 0; the length term keeps a prefix from matching.
 */
function constantTimeEquals(presented: string, secret: string): boolean {
  let difference = presented.length ^ secret.length;
  for (let index = 0; index < secret.length; index += 1) {
    difference |= presented.charCodeAt(index) ^ secret.charCodeAt(index);
  }
  return difference === 0;
}

function headerValue(headers: HeaderBag, name: string): string | undefined {
  const raw = headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed.length > 0 ? trimmed : undefined;
}
