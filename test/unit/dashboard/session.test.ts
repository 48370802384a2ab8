import { describe, expect, it } from "vitest";
import type { Clock } from "../../../src/clock.js";
import { createSessionKeys } from "../../../src/dashboard/session.js";

const ADMIN_TOKEN = "unit-admin-token-0123456789abcdef";

function movableClock(startMs: number): Clock & { advance(ms: number): void } {
  let now = startMs;
  return { now: () => now, advance: (ms) => (now += ms) };
}

describe("dashboard sessions", () => {
  it("authenticates the admin token and nothing close to it", () => {
    const keys = createSessionKeys({ adminToken: ADMIN_TOKEN, clock: movableClock(0) });
    expect(keys.authenticate(ADMIN_TOKEN)?.principal).toEqual({ role: "admin" });
    expect(keys.authenticate(` ${ADMIN_TOKEN} `)?.principal).toEqual({ role: "admin" });
    for (const wrong of [
      "",
      ADMIN_TOKEN.slice(0, -1),
      `${ADMIN_TOKEN}x`,
      ADMIN_TOKEN.toUpperCase(),
    ]) {
      expect(keys.authenticate(wrong)).toBeUndefined();
    }
  });

  it("round-trips a session until it expires", () => {
    const clock = movableClock(Date.parse("2026-11-25T00:00:00Z"));
    const keys = createSessionKeys({ adminToken: ADMIN_TOKEN, clock, sessionTtlSeconds: 60 });
    const { cookie, session, maxAgeSeconds } = keys.issue({ role: "tenant", tenantId: "acme" });
    expect(maxAgeSeconds).toBe(60);
    expect(keys.verify(cookie)).toEqual(session);
    clock.advance(60_000);
    expect(keys.verify(cookie)).toBeUndefined();
  });

  it("never lets a session outlive the tenant token it came from", () => {
    const clock = movableClock(Date.parse("2026-11-25T00:00:00Z"));
    const keys = createSessionKeys({ adminToken: ADMIN_TOKEN, clock });
    const { token, expiresAt } = keys.issueTenantToken("acme", 1 / 24);
    const signedIn = keys.authenticate(token);
    expect(signedIn).toEqual({
      principal: { role: "tenant", tenantId: "acme" },
      notAfter: expiresAt,
    });
    expect(keys.issue({ role: "tenant", tenantId: "acme" }, signedIn?.notAfter).maxAgeSeconds).toBe(
      3600,
    );
    clock.advance(3600_000);
    expect(keys.authenticate(token)).toBeUndefined();
  });

  it("rejects tokens and cookies signed with another admin token or altered", () => {
    const clock = movableClock(0);
    const keys = createSessionKeys({ adminToken: ADMIN_TOKEN, clock });
    const other = createSessionKeys({ adminToken: "another-admin-token-0123456789", clock });
    expect(keys.verify(other.issue({ role: "admin" }).cookie)).toBeUndefined();
    expect(keys.authenticate(other.issueTenantToken("acme", 7).token)).toBeUndefined();
    const token = keys.issueTenantToken("acme", 7).token;
    expect(keys.authenticate(token.replace(".acme.", ".evil."))).toBeUndefined();
    const { cookie } = keys.issue({ role: "tenant", tenantId: "acme" });
    const [payload = "", signature = ""] = cookie.split(".");
    const admin = Buffer.from(
      Buffer.from(payload, "base64url").toString().replace('"r":"tenant"', '"r":"admin"'),
    ).toString("base64url");
    expect(keys.verify(`${admin}.${signature}`)).toBeUndefined();
    expect(keys.verify(`${cookie}.extra`)).toBeUndefined();
  });

  it("derives a CSRF token per session", () => {
    const keys = createSessionKeys({ adminToken: ADMIN_TOKEN, clock: movableClock(0) });
    const a = keys.issue({ role: "admin" }).session;
    const b = keys.issue({ role: "admin" }).session;
    expect(keys.isValidCsrf(a, keys.csrfToken(a))).toBe(true);
    expect(keys.isValidCsrf(a, keys.csrfToken(b))).toBe(false);
    expect(keys.isValidCsrf(a, undefined)).toBe(false);
  });
});
