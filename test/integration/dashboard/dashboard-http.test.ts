import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../../src/clock.js";
import { createSessionKeys } from "../../../src/dashboard/session.js";
import type { ScenarioName } from "../../../src/simulator/scenario.js";
import { createRequestSigning } from "../../../src/simulator/sign-request.js";
import { simulateCall } from "../../../src/simulator/simulate-call.js";
import { createDeliveryRepo } from "../../../src/notifications/delivery-repo.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { statusUpdate } from "../../fixtures/vapi/status-update.js";
import { partiesOf, readCall } from "../../helpers/call-rows.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";
import { dashboardClient, readLiveEvents, type DashboardClient } from "./dashboard-client.js";

const ADMIN_TOKEN = "dashboard-http-admin-token-01234";
const VAPI_SECRET = "tenant-vapi-secret-0123456789-abcdef";
const NOTIFY_SECRET = `whsec_${randomBytes(32).toString("base64")}`;

describe("dashboard without ADMIN_TOKEN", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("does not exist: every dashboard path is a plain 404", async () => {
    for (const path of ["/dashboard", "/dashboard/login", "/dashboard/assets/dashboard.css"]) {
      const response = await fetch(`${server.url}${path}`, { redirect: "manual" });
      expect(response.status, path).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
    }
  });
});

describe.each(await availableStores())("dashboard over HTTP (%s)", (store) => {
  let server: TestServer;
  let admin: DashboardClient;
  let tenant: Tenant;
  let other: Tenant;
  const tenantCall = randomUUID();
  const otherCall = randomUUID();

  beforeAll(async () => {
    server = await startTestServer({ store, env: { ADMIN_TOKEN, RUN_WORKERS: "false" } });
    tenant = await createTenant(server.deps, {
      vapiAuth: { secrets: [VAPI_SECRET], hmacSecrets: [] },
      notify: { webhookUrl: "https://hooks.example.com/frontdesk", secret: NOTIFY_SECRET },
    });
    other = await createTenant(server.deps);
    admin = dashboardClient(server);
    expect((await admin.signIn(ADMIN_TOKEN)).status).toBe(303);
    // One live call for each tenant, through the real webhook (the tenant's own credential).
    const first = await server.postWebhook(
      statusUpdate(partiesOf(tenant, tenantCall), "in-progress"),
      {
        "x-vapi-secret": VAPI_SECRET,
      },
    );
    expect(first.status).toBe(200);
    expect(
      (await server.postWebhook(statusUpdate(partiesOf(other, otherCall), "ringing"))).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await server.close();
  });

  describe("sign-in", () => {
    it("sends a visitor without a session to the sign-in form, remembering the page", async () => {
      const response = await dashboardClient(server).get("/dashboard/calls?status=ended");
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe(
        `/dashboard/login?next=${encodeURIComponent("/dashboard/calls?status=ended")}`,
      );
    });

    it("refuses a wrong token with 401 and sets no cookie", async () => {
      const visitor = dashboardClient(server);
      const response = await visitor.signIn(`${ADMIN_TOKEN}x`);
      expect(response.status).toBe(401);
      expect(response.headers.get("set-cookie")).toBeNull();
      expect(response.text).toContain("That token is not valid");
      expect(visitor.cookie).toBeUndefined();
    });

    it("signs in with the admin token: HttpOnly, SameSite=Strict cookie on /dashboard", async () => {
      const response = await dashboardClient(server).post("/dashboard/login", {
        token: ADMIN_TOKEN,
        next: "/dashboard/tenants",
      });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe("/dashboard/tenants");
      const cookie = response.headers.get("set-cookie") ?? "";
      expect(cookie).toMatch(
        /^frontdesk_session=[\w-]+\.[\w-]+; Path=\/dashboard; Max-Age=43200; HttpOnly; SameSite=Strict$/,
      );
    });

    it("never redirects outside the dashboard after sign-in", async () => {
      for (const next of [
        "https://evil.example/",
        "//evil.example/x",
        "/admin/v1/tenants",
        "/dashboard/../admin/v1/tenants",
      ]) {
        const response = await dashboardClient(server).post("/dashboard/login", {
          token: ADMIN_TOKEN,
          next,
        });
        expect(response.headers.get("location"), next).toBe("/dashboard");
      }
    });

    it("ignores a tampered cookie and one signed for another ADMIN_TOKEN", async () => {
      const forged = createSessionKeys({
        adminToken: "another-admin-token-0123456789",
        clock: fixedClock(Date.now()),
      });
      const foreign = dashboardClient(server);
      foreign.cookie = `frontdesk_session=${forged.issue({ role: "admin" }).cookie}`;
      expect((await foreign.get("/dashboard")).status).toBe(303);

      const [payload = "", signature = ""] = (admin.cookie ?? "")
        .replace("frontdesk_session=", "")
        .split(".");
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<
        string,
        unknown
      >;
      const tampered = dashboardClient(server);
      tampered.cookie = `frontdesk_session=${Buffer.from(JSON.stringify({ ...claims, e: (claims.e as number) + 999_999 })).toString("base64url")}.${signature}`;
      expect((await tampered.get("/dashboard")).status).toBe(303);
    });

    it("signs out: the cookie is cleared and the next page needs a sign-in again", async () => {
      const session = dashboardClient(server);
      await session.signIn(ADMIN_TOKEN);
      const csrf = await session.csrf();
      const response = await session.post("/dashboard/logout", { _csrf: csrf });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe("/dashboard/login?signedOut=1");
      expect(response.headers.get("set-cookie")).toMatch(
        /^frontdesk_session=; Path=\/dashboard; Max-Age=0/,
      );
      expect(session.cookie).toBeUndefined();
      expect((await session.get("/dashboard")).status).toBe(303);
    });
  });

  describe("CSRF", () => {
    it("refuses a form without this session's CSRF token and changes nothing", async () => {
      const stranger = dashboardClient(server);
      await stranger.signIn(ADMIN_TOKEN);
      const strangersToken = await stranger.csrf();
      const form = { version: "1", name: "Hijacked", timezone: "Australia/Sydney" };
      for (const extra of [{}, { _csrf: "forged" }, { _csrf: strangersToken }]) {
        const response = await admin.post(`/dashboard/tenants/${tenant.id}/edit`, {
          ...form,
          ...extra,
        });
        expect(response.status).toBe(403);
        expect(response.text).toContain("This form has expired");
      }
      expect((await admin.post("/dashboard/logout", {})).status).toBe(403);
      expect(admin.cookie).toBeDefined();
      expect((await server.deps.tenants.findById(tenant.id))?.tenant.name).toBe(tenant.name);
    });

    it("refuses a form posted from another origin even with a valid token", async () => {
      const csrf = await admin.csrf();
      const response = await admin.post(
        `/dashboard/tenants/${tenant.id}/edit`,
        { _csrf: csrf, version: "1", name: "Hijacked" },
        { origin: "https://evil.example" },
      );
      expect(response.status).toBe(403);
      expect(response.text).toContain("another site");
    });
  });

  describe("pages", () => {
    it("serves HTML with a strict content security policy and no caching", async () => {
      const response = await admin.get("/dashboard");
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.text).not.toMatch(/<script>|style="/);
    });

    it("serves the stylesheet and script for good under their content hash", async () => {
      const page = await admin.get("/dashboard");
      const css = /href="(\/dashboard\/assets\/dashboard\.css\?v=\w+)"/.exec(page.text)?.[1] ?? "";
      const response = await dashboardClient(server).get(css);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/css; charset=utf-8");
      expect(response.headers.get("cache-control")).toContain("immutable");
      const etag = response.headers.get("etag") ?? "";
      expect((await dashboardClient(server).get(css, { "if-none-match": etag })).status).toBe(304);
      expect((await dashboardClient(server).get("/dashboard/assets/nope.js")).status).toBe(404);
    });

    it("escapes everything it shows", async () => {
      const nasty = await createTenant(server.deps, { name: `<script>alert("x")</script> & Sons` });
      const page = await admin.get(`/dashboard/tenants/${nasty.id}`);
      expect(page.text).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons");
      expect(page.text).not.toContain('<script>alert("x")');
    });

    it("lists calls newest first, filtered by tenant and status", async () => {
      const all = await admin.get("/dashboard/calls");
      expect(all.text).toContain(`/dashboard/calls/${tenantCall}`);
      expect(all.text).toContain(`/dashboard/calls/${otherCall}`);
      const filtered = await admin.get(`/dashboard/calls?tenant=${other.id}&status=ringing`);
      expect(filtered.text).toContain(`/dashboard/calls/${otherCall}`);
      expect(filtered.text).not.toContain(`/dashboard/calls/${tenantCall}`);
      const none = await admin.get(`/dashboard/calls?tenant=${other.id}&status=ended`);
      expect(none.text).toContain("No calls match these filters.");
    });

    it("refuses a NUL character (%00) in a path or filter with a 400 page, on every store", async () => {
      for (const path of [
        "/dashboard/tenants?q=a%00",
        "/dashboard/tenants/a%00b",
        "/dashboard/calls?tenant=a%00&endedReason=x%00",
        "/dashboard/calls/a%00b",
      ]) {
        const response = await admin.get(path);
        expect(response.status, path).toBe(400);
        expect(response.headers.get("content-type"), path).toBe("text/html; charset=utf-8");
      }
    });

    it("shows a 404 page for an unknown tenant, call or path", async () => {
      for (const path of [
        "/dashboard/tenants/nobody",
        `/dashboard/calls/${randomUUID()}`,
        "/dashboard/nope",
      ]) {
        const response = await admin.get(path);
        expect(response.status, path).toBe(404);
        expect(response.text).toContain("Not found");
      }
    });
  });

  describe("editing", () => {
    it("validates like the admin API and shows each error next to its field", async () => {
      const csrf = await admin.csrf();
      const response = await admin.post(`/dashboard/tenants/${other.id}/edit`, {
        _csrf: csrf,
        version: "1",
        name: other.name,
        timezone: "Mars/Olympus_Mons",
        "hours.tue": "07:00-17:00, 18:00-17:00",
        "faq.0.question": "Do you work weekends?",
        "faq.0.answer": "",
      });
      expect(response.status).toBe(400);
      expect(response.text).toMatch(
        /id="f-timezone"[^>]*aria-invalid="true" aria-describedby="f-timezone-error"/,
      );
      expect(response.text).toContain(
        'id="f-timezone-error">must be an IANA time zone like Australia/Sydney',
      );
      expect(response.text).toContain(
        'id="f-hours-tue-error">range 2: must be &quot;HH:MM-HH:MM&quot;',
      );
      expect(response.text).toContain('id="f-faq-0-answer-error">Too small');
      expect((await server.deps.tenants.findById(other.id))?.version).toBe(1);
    });

    it("shows a NUL character in a field as that field's error, on every store", async () => {
      const csrf = await admin.csrf();
      const response = await admin.post(`/dashboard/tenants/${other.id}/edit`, {
        _csrf: csrf,
        version: "1",
        name: `${other.name}\u0000`,
        timezone: other.timezone,
      });
      expect(response.status).toBe(400);
      expect(response.text).toContain('id="f-name-error">must not contain the NUL character');
      expect((await server.deps.tenants.findById(other.id))?.version).toBe(1);
    });

    it("reports a save that lost a race with another edit instead of overwriting it", async () => {
      const csrf = await admin.csrf();
      const response = await admin.post(`/dashboard/tenants/${other.id}/edit`, {
        _csrf: csrf,
        version: "99",
        name: "Stale edit",
        timezone: "Australia/Sydney",
      });
      expect(response.status).toBe(409);
      expect(response.text).toContain("Someone else changed this tenant");
      expect((await server.deps.tenants.findById(other.id))?.tenant.name).toBe(other.name);
    });

    it("never shows webhook or notification secrets, and keeps them on a document save", async () => {
      for (const path of [
        `/dashboard/tenants/${tenant.id}`,
        `/dashboard/tenants/${tenant.id}/document`,
      ]) {
        const page = await admin.get(path);
        expect(page.text, path).not.toContain(VAPI_SECRET);
        expect(page.text, path).not.toContain(NOTIFY_SECRET);
        expect(page.text, path).not.toContain(NOTIFY_SECRET.slice(6, 20));
        expect(page.text, path).toContain(`••••${VAPI_SECRET.slice(-4)}`);
      }
      const documentPage = await admin.get(`/dashboard/tenants/${tenant.id}/document`);
      const yaml = decodeEntities(
        /<textarea[^>]*name="document"[^>]*>([\s\S]*?)<\/textarea>/.exec(documentPage.text)?.[1] ??
          "",
      );
      const csrf = await admin.csrf();
      const saved = await admin.post(`/dashboard/tenants/${tenant.id}/document`, {
        _csrf: csrf,
        version: "1",
        document: yaml.replace(/^name: .*$/m, "name: Renamed Plumbing"),
      });
      expect(saved.status).toBe(303);
      const stored = await server.deps.tenants.findById(tenant.id);
      expect(stored?.tenant.name).toBe("Renamed Plumbing");
      expect(stored?.tenant.vapiAuth?.secrets).toEqual([VAPI_SECRET]);
      expect(stored?.tenant.notify?.secret).toBe(NOTIFY_SECRET);
    });

    it("lists every problem of an invalid document with its path", async () => {
      const csrf = await admin.csrf();
      const response = await admin.post(`/dashboard/tenants/${other.id}/document`, {
        _csrf: csrf,
        version: "1",
        document: `id: ${other.id}\nname: X\ntimezone: Australia/Sydney\nhour: {}\nhours: { mon: ["9-5"] }\n`,
      });
      expect(response.status).toBe(400);
      expect(response.text).toContain("hours.mon: range 1: must be");
      expect(response.text).toMatch(/hour[^s][^<]*Unrecognized key|Unrecognized key[^<]*hour/);
      const broken = await admin.post(`/dashboard/tenants/${other.id}/document`, {
        _csrf: csrf,
        version: "1",
        document: "id: [unclosed",
      });
      expect(broken.status).toBe(400);
      expect(broken.text).toContain("not valid YAML");
    });
  });

  describe("tenant access tokens", () => {
    let viewer: DashboardClient;

    beforeAll(async () => {
      const csrf = await admin.csrf();
      const issued = await admin.post(`/dashboard/tenants/${tenant.id}/access-tokens`, {
        _csrf: csrf,
        ttlDays: "7",
      });
      expect(issued.status).toBe(200);
      const token = /id="issued-token" readonly value="([^"]+)"/.exec(issued.text)?.[1];
      expect(token).toMatch(new RegExp(`^fdt1\\.${tenant.id}\\.\\d+\\.[\\w-]+$`));
      viewer = dashboardClient(server);
      expect((await viewer.signIn(token ?? "")).status).toBe(303);
    });

    it("sees its own tenant, calls and records", async () => {
      expect((await viewer.get(`/dashboard/tenants/${tenant.id}`)).status).toBe(200);
      expect((await viewer.get(`/dashboard/tenants/${tenant.id}/leads`)).status).toBe(200);
      expect((await viewer.get(`/dashboard/calls/${tenantCall}`)).status).toBe(200);
      const live = await viewer.get("/dashboard");
      expect(live.text).toContain("Read-only access");
      expect(live.text).toContain(tenantCall);
    });

    it("cannot see another tenant's pages, calls or live calls", async () => {
      for (const path of [
        `/dashboard/tenants/${other.id}`,
        `/dashboard/tenants/${other.id}/leads`,
        `/dashboard/tenants/${other.id}/bookings`,
        `/dashboard/tenants/${other.id}/messages`,
        `/dashboard/calls/${otherCall}`,
      ]) {
        const response = await viewer.get(path);
        expect(response.status, path).toBe(404);
        expect(response.text).not.toContain(other.name);
      }
      const calls = await viewer.get(`/dashboard/calls?tenant=${other.id}`);
      expect(calls.text).toContain(tenantCall);
      expect(calls.text).not.toContain(otherCall);
      expect((await viewer.get("/dashboard")).text).not.toContain(otherCall);
      const events = await readLiveEvents(server, viewer.cookie ?? "", () => true);
      expect(events[0]?.order.active).toEqual([tenantCall]);
    });

    it("cannot use the operator's pages or change anything", async () => {
      expect((await viewer.get("/dashboard/tenants")).status).toBe(403);
      expect((await viewer.get("/dashboard/deliveries")).status).toBe(403);
      expect((await viewer.get(`/dashboard/tenants/${tenant.id}/edit`)).status).toBe(403);
      const csrf = await viewer.csrf();
      const edit = await viewer.post(`/dashboard/tenants/${tenant.id}/edit`, {
        _csrf: csrf,
        version: "2",
        name: "Mine now",
      });
      expect(edit.status).toBe(403);
      const token = await viewer.post(`/dashboard/tenants/${tenant.id}/access-tokens`, {
        _csrf: csrf,
      });
      expect(token.status).toBe(403);
    });

    it("refuses an expired or forged tenant token", async () => {
      const past = createSessionKeys({
        adminToken: ADMIN_TOKEN,
        clock: fixedClock(Date.now() - 30 * 86_400_000),
      });
      const expired = past.issueTenantToken(tenant.id, 7).token;
      expect((await dashboardClient(server).signIn(expired)).status).toBe(401);
      const forged = createSessionKeys({
        adminToken: "someone-elses-token-0123456789",
        clock: fixedClock(Date.now()),
      });
      expect(
        (await dashboardClient(server).signIn(forged.issueTenantToken(tenant.id, 7).token)).status,
      ).toBe(401);
      const unsigned = `fdt1.${other.id}.${Math.floor(Date.now() / 1000) + 3600}.AAAA`;
      expect((await dashboardClient(server).signIn(unsigned)).status).toBe(401);
    });
  });

  describe("live events", () => {
    it("streams a call that starts after the page was opened", async () => {
      const callId = randomUUID();
      const events = readLiveEvents(server, admin.cookie ?? "", (event) =>
        event.order.active.includes(callId),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(
        (await server.postWebhook(statusUpdate(partiesOf(other, callId), "in-progress"))).status,
      ).toBe(200);
      const received = await events;
      const last = received.at(-1);
      expect(last?.order.active).toContain(callId);
      expect(last?.cards[callId]).toContain("In progress");
    });
  });

  describe("failed deliveries", () => {
    it("lists a failed delivery and re-sends it", async () => {
      const repo = createDeliveryRepo(server.deps.db);
      const nowIso = new Date().toISOString();
      const delivery = await repo.ensure(
        {
          tenantId: tenant.id,
          eventType: "call.ended",
          subjectId: tenantCall,
          callId: tenantCall,
          url: "https://hooks.example.com/old",
          payload: "{}",
        },
        nowIso,
      );
      await repo.markFailed(delivery.id, "HTTP 500 from the receiver", nowIso);

      const list = await admin.get("/dashboard/deliveries");
      expect(list.text).toContain(delivery.id);
      expect(list.text).toContain("HTTP 500 from the receiver");

      const csrf = await admin.csrf();
      const resend = await admin.post(`/dashboard/deliveries/${tenant.id}/${delivery.id}/resend`, {
        _csrf: csrf,
      });
      expect(resend.status).toBe(303);
      expect(resend.headers.get("location")).toBe("/dashboard/deliveries?resent=queued");
      const after = await repo.find(tenant.id, delivery.id);
      expect(after).toMatchObject({
        status: "pending",
        url: "https://hooks.example.com/frontdesk",
      });
      expect((await admin.get("/dashboard/deliveries?resent=queued")).text).toContain(
        "Re-send queued",
      );

      const again = await admin.post(`/dashboard/deliveries/${tenant.id}/${delivery.id}/resend`, {
        _csrf: csrf,
      });
      expect(again.headers.get("location")).toBe("/dashboard/deliveries?resent=not-failed");
    });
  });

  describe("simulated calls", () => {
    let business: Tenant;
    const callIds = new Map<ScenarioName, string>();

    beforeAll(async () => {
      business = await createTenant(server.deps);
      for (const scenario of ["booking", "message", "emergency"] as const) {
        const report = await simulateCall({
          url: server.url,
          number: business.phoneNumbers[0]?.number ?? "",
          scenario,
          sign: createRequestSigning(server.config.auth).sign,
        });
        expect([report.violations, report.warnings], scenario).toEqual([0, 0]);
        callIds.set(scenario, report.callId);
      }
    });

    it("lists a tenant's bookings and messages, each with a link to its call", async () => {
      const bookings = await admin.get(`/dashboard/tenants/${business.id}/bookings`);
      expect(bookings.status).toBe(200);
      expect(bookings.text).toContain("Daniel Nguyen");
      expect(bookings.text).toContain("Blocked drains");
      expect(bookings.text).toContain(`href="/dashboard/calls/${callIds.get("booking")}"`);

      const messages = await admin.get(`/dashboard/tenants/${business.id}/messages`);
      expect(messages.status).toBe(200);
      expect(messages.text).toContain("Sam Taylor");
      expect(messages.text).toMatch(/hot water system/);
      expect(messages.text).toContain(`href="/dashboard/calls/${callIds.get("message")}"`);
    });

    it("shows an emergency call's transfer in its timeline", async () => {
      const page = await admin.get(`/dashboard/calls/${callIds.get("emergency")}`);
      expect(page.status).toBe(200);
      const timeline = /id="timeline"[\s\S]*$/.exec(page.text)?.[0] ?? "";
      expect(timeline).toContain("Transferred to");
      expect(timeline).toContain("Emergency · gas smell");
    });

    it("filters calls by date, both ends inclusive (UTC)", async () => {
      const callId = callIds.get("booking") ?? "";
      const createdAt = (await readCall(server, callId))?.created_at ?? "";
      const day = createdAt.slice(0, 10);
      const shift = (days: number) => {
        const date = new Date(`${day}T00:00:00.000Z`);
        date.setUTCDate(date.getUTCDate() + days);
        return date.toISOString().slice(0, 10);
      };
      const list = (query: string) =>
        admin.get(`/dashboard/calls?tenant=${business.id}&${query}`).then((page) => page.text);
      expect(await list(`from=${day}&to=${day}`)).toContain(`/dashboard/calls/${callId}`);
      expect(await list(`from=${shift(-1)}`)).toContain(`/dashboard/calls/${callId}`);
      expect(await list(`from=${shift(1)}`)).toContain("No calls match these filters.");
      expect(await list(`to=${shift(-1)}`)).toContain("No calls match these filters.");
    });
  });
});

function decodeEntities(text: string): string {
  return text
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&#96;", "`")
    .replaceAll("&amp;", "&");
}
