import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../clock.js";

/** Who is signed in: the operator (admin token) or one tenant (read-only access token). */
export type Principal = { role: "admin" } | { role: "tenant"; tenantId: string };

export interface Session {
  principal: Principal;
  /** Random per sign-in; the CSRF token is derived from it. */
  id: string;
  /** Epoch seconds. */
  expiresAt: number;
}

export interface IssuedSession {
  session: Session;
  /** The cookie value (payload.signature). */
  cookie: string;
  /** For the cookie's Max-Age. */
  maxAgeSeconds: number;
}

export interface Authenticated {
  principal: Principal;
  /** Epoch seconds the session must not outlive (a tenant token's own expiry). */
  notAfter: number | undefined;
}

export interface SessionKeysOptions {
  /** ADMIN_TOKEN: every key is derived from it, so rotating it signs everyone out. */
  adminToken: string;
  clock: Clock;
  /** How long a sign-in lasts. Default 12 hours: one working day, then sign in again. */
  sessionTtlSeconds?: number;
}

export interface SessionKeys {
  readonly sessionTtlSeconds: number;
  /**
   * Checks a presented sign-in secret: the admin token, or a tenant access token that is
   * well-formed, correctly signed and unexpired. Constant time for the admin comparison.
   */
  authenticate(secret: string): Authenticated | undefined;
  issue(principal: Principal, notAfter?: number): IssuedSession;
  /** The session in a cookie value, or undefined when missing, tampered with or expired. */
  verify(cookie: string | undefined): Session | undefined;
  csrfToken(session: Session): string;
  isValidCsrf(session: Session, presented: string | undefined): boolean;
  /** A read-only token for one tenant: `fdt1.<tenantId>.<expiresAtSeconds>.<signature>`. */
  issueTenantToken(tenantId: string, ttlDays: number): { token: string; expiresAt: number };
}

const TOKEN_PREFIX = "fdt1";
const DEFAULT_SESSION_TTL_SECONDS = 12 * 60 * 60;
const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Signed, stateless dashboard sessions (HMAC-SHA256). Keys come from ADMIN_TOKEN through HKDF
 * with a distinct label per use, so a session signature can never pass as a tenant token or a
 * CSRF token, and nothing secret is stored anywhere but the environment.
 */
export function createSessionKeys(options: SessionKeysOptions): SessionKeys {
  const derive = (label: string) =>
    Buffer.from(hkdfSync("sha256", options.adminToken, "frontdesk-dashboard", label, 32));
  const sessionKey = derive("session-v1");
  const csrfKey = derive("csrf-v1");
  const tenantTokenKey = derive("tenant-token-v1");
  const adminDigest = sha256(options.adminToken);
  const ttl = options.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS;
  const nowSeconds = () => Math.floor(options.clock.now() / 1000);

  function verifyTenantToken(token: string): Authenticated | undefined {
    const parts = token.split(".");
    if (parts.length !== 4 || parts[0] !== TOKEN_PREFIX) return undefined;
    const [, tenantId = "", expires = "", signature = ""] = parts;
    const unsigned = `${TOKEN_PREFIX}.${tenantId}.${expires}`;
    if (!isEqual(signature, sign(tenantTokenKey, unsigned))) return undefined;
    if (!TENANT_ID.test(tenantId) || !/^\d{1,12}$/.test(expires)) return undefined;
    if (Number(expires) <= nowSeconds()) return undefined;
    return { principal: { role: "tenant", tenantId }, notAfter: Number(expires) };
  }

  return {
    sessionTtlSeconds: ttl,

    authenticate(secret) {
      const trimmed = secret.trim();
      if (trimmed.startsWith(`${TOKEN_PREFIX}.`)) return verifyTenantToken(trimmed);
      return timingSafeEqual(sha256(trimmed), adminDigest)
        ? { principal: { role: "admin" }, notAfter: undefined }
        : undefined;
    },

    issue(principal, notAfter) {
      const now = nowSeconds();
      const expiresAt = Math.min(now + ttl, notAfter ?? Number.POSITIVE_INFINITY);
      const session: Session = { principal, id: randomBytes(16).toString("base64url"), expiresAt };
      const payload = Buffer.from(
        JSON.stringify({
          r: principal.role,
          t: principal.role === "tenant" ? principal.tenantId : undefined,
          s: session.id,
          e: expiresAt,
        }),
      ).toString("base64url");
      return {
        session,
        cookie: `${payload}.${sign(sessionKey, payload)}`,
        maxAgeSeconds: expiresAt - now,
      };
    },

    verify(cookie) {
      if (cookie === undefined || cookie.length > 1024) return undefined;
      const [payload = "", signature = "", extra] = cookie.split(".");
      if (extra !== undefined || !isEqual(signature, sign(sessionKey, payload))) return undefined;
      const data = parseJson(Buffer.from(payload, "base64url").toString("utf8"));
      if (data === undefined) return undefined;
      const { r, t, s, e } = data;
      if (typeof s !== "string" || typeof e !== "number" || e <= nowSeconds()) return undefined;
      if (r === "admin") return { principal: { role: "admin" }, id: s, expiresAt: e };
      if (r === "tenant" && typeof t === "string" && TENANT_ID.test(t)) {
        return { principal: { role: "tenant", tenantId: t }, id: s, expiresAt: e };
      }
      return undefined;
    },

    csrfToken(session) {
      return sign(csrfKey, session.id);
    },

    isValidCsrf(session, presented) {
      return presented !== undefined && isEqual(presented, sign(csrfKey, session.id));
    },

    issueTenantToken(tenantId, ttlDays) {
      const expiresAt = nowSeconds() + Math.round(ttlDays * 86_400);
      const unsigned = `${TOKEN_PREFIX}.${tenantId}.${expiresAt}`;
      return { token: `${unsigned}.${sign(tenantTokenKey, unsigned)}`, expiresAt };
    },
  };
}

function sign(key: Buffer, value: string): string {
  return createHmac("sha256", key).update(value, "utf8").digest("base64url");
}

function sha256(value: string): Buffer {
  return createHmac("sha256", "frontdesk-dashboard-compare").update(value, "utf8").digest();
}

/** Constant-time comparison of two strings of possibly different lengths. */
function isEqual(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
