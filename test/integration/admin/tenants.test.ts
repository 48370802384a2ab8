import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantList, TenantResource } from "../../../src/admin/admin-schemas.js";
import { buildTenant, createTenant, uniqueNumber } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";
import {
  ADMIN_TOKEN,
  adminClient,
  fieldPaths,
  omit,
  type AdminCall,
  type ErrorResponse,
} from "./admin-client.js";

describe.each(await availableStores())("admin API: tenants (%s)", (store) => {
  let server: TestServer;
  let call: AdminCall;

  beforeAll(async () => {
    server = await startTestServer({ store, env: { ADMIN_TOKEN } });
    call = adminClient(server);
  });
  afterAll(async () => {
    await server.close();
  });

  describe("works", () => {
    it("creates a tenant with POST (201, Location, ETag) and returns it with defaults applied", async () => {
      const tenant = omit(buildTenant(), "faq", "services");
      const created = await call<TenantResource>("POST", "/tenants", { body: tenant });
      expect(created.status).toBe(201);
      expect(created.headers.get("location")).toBe(`/admin/v1/tenants/${tenant.id}`);
      expect(created.headers.get("etag")).toBe('"1"');
      expect(created.body.version).toBe(1);
      expect(created.body.document).toMatchObject({
        id: tenant.id,
        name: tenant.name,
        services: [],
        faq: [],
      });

      const fetched = await call<TenantResource>("GET", `/tenants/${tenant.id}`);
      expect(fetched.status).toBe(200);
      expect(fetched.body).toEqual(created.body);
    });

    it("normalises phone numbers written in a human way", async () => {
      const tenant = buildTenant({ phoneNumbers: [] });
      const number = uniqueNumber();
      const spaced = `${number.slice(0, 3)} ${number.slice(3, 4)} ${number.slice(4, 8)} ${number.slice(8)}`;
      const created = await call<TenantResource>("POST", "/tenants", {
        body: { ...tenant, phoneNumbers: [{ number: spaced }] },
      });
      expect(created.status).toBe(201);
      expect(created.body.document.phoneNumbers).toEqual([{ number }]);
    });

    it("replaces a tenant with PUT, taking the id from the path when the body omits it", async () => {
      const tenant = await createTenant(server.deps);
      const withoutId = omit(tenant, "id");
      const replaced = await call<TenantResource>("PUT", `/tenants/${tenant.id}`, {
        body: { ...withoutId, name: "Renamed Plumbing", services: ["Roofing"] },
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body.version).toBe(2);
      expect(replaced.headers.get("etag")).toBe('"2"');
      expect(replaced.body.document).toMatchObject({
        id: tenant.id,
        name: "Renamed Plumbing",
        services: ["Roofing"],
      });
      // Replace, not merge: what the body leaves out is gone.
      const withoutEscalation = omit(withoutId, "escalation");
      const again = await call<TenantResource>("PUT", `/tenants/${tenant.id}`, {
        body: withoutEscalation,
      });
      expect(again.body.document.escalation).toBeUndefined();
    });

    it("creates a missing tenant with PUT (201)", async () => {
      const tenant = buildTenant();
      const response = await call<TenantResource>("PUT", `/tenants/${tenant.id}`, { body: tenant });
      expect(response.status).toBe(201);
      expect(response.body.version).toBe(1);
      expect((await call("GET", `/tenants/${tenant.id}`)).status).toBe(200);
    });

    it("applies a JSON merge patch: objects merge, null removes, arrays replace", async () => {
      const tenant = await createTenant(server.deps, {
        assistant: { firstMessage: "G'day!", instructions: "Be brief." },
      });
      const patched = await call<TenantResource>("PATCH", `/tenants/${tenant.id}`, {
        headers: { "content-type": "application/merge-patch+json" },
        body: {
          name: "Patched Plumbing",
          escalation: null,
          assistant: { firstMessage: null },
          hours: { sat: [] },
          services: ["Only this"],
        },
      });
      expect(patched.status).toBe(200);
      expect(patched.body.version).toBe(2);
      const document = patched.body.document;
      expect(document.name).toBe("Patched Plumbing");
      expect(document.escalation).toBeUndefined();
      expect(document.assistant).toEqual({ instructions: "Be brief." });
      expect(document.hours.sat).toEqual([]);
      expect(document.hours.mon).toEqual(tenant.hours.mon);
      expect(document.services).toEqual(["Only this"]);
      expect(document.faq).toEqual(tenant.faq);
      expect(document.phoneNumbers).toEqual(tenant.phoneNumbers);
    });

    it("accepts a merge patch sent as application/json too", async () => {
      const tenant = await createTenant(server.deps);
      const patched = await call<TenantResource>("PATCH", `/tenants/${tenant.id}`, {
        body: { timezone: "Australia/Perth" },
      });
      expect(patched.status).toBe(200);
      expect(patched.body.document.timezone).toBe("Australia/Perth");
    });

    it("deletes a tenant (204) and its numbers", async () => {
      const tenant = await createTenant(server.deps);
      const deleted = await call("DELETE", `/tenants/${tenant.id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBeUndefined();
      expect((await call("GET", `/tenants/${tenant.id}`)).status).toBe(404);
      expect(
        await server.deps.tenants.findByNumber(tenant.phoneNumbers[0]?.number ?? ""),
      ).toBeUndefined();
      expect((await call("DELETE", `/tenants/${tenant.id}`)).status).toBe(404);
    });

    it("pages through every tenant by id with limit and cursor", async () => {
      const prefix = `page-${randomUUID().slice(0, 6)}`;
      const ids = ["a", "b", "c", "d", "e"].map((letter) => `${prefix}-${letter}`);
      for (const id of ids) await createTenant(server.deps, { id });

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string =
          cursor === null ? "?limit=2" : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
        const page = await call<TenantList>("GET", `/tenants${query}`);
        expect(page.status).toBe(200);
        expect(page.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.data.map((summary) => summary.id));
        cursor = page.body.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 100);

      expect(cursor).toBeNull();
      expect(seen).toEqual([...seen].sort());
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(ids));
      const all = await call<TenantList>("GET", "/tenants?limit=500");
      expect(all.body.data.map((summary) => summary.id)).toEqual(seen);
    });

    it("lists summaries with numbers, 50 by default, and a null cursor on the last page", async () => {
      const tenant = await createTenant(server.deps);
      const list = await call<TenantList>("GET", "/tenants");
      expect(list.status).toBe(200);
      expect(list.body.data.length).toBeLessThanOrEqual(50);
      const after = await call<TenantList>(
        "GET",
        `/tenants?cursor=${tenant.id.slice(0, -1)}&limit=500`,
      );
      const summary = after.body.data.find((item) => item.id === tenant.id);
      expect(summary).toEqual({
        id: tenant.id,
        name: tenant.name,
        timezone: tenant.timezone,
        version: 1,
        phoneNumbers: tenant.phoneNumbers.map((phone) => phone.number),
        updatedAt: expect.any(String) as string,
      });
      expect(after.body.nextCursor).toBeNull();
    });
  });

  describe("rejects", () => {
    it("an invalid document with 400 VALIDATION_FAILED listing each field path", async () => {
      const tenant = buildTenant();
      const response = await call<ErrorResponse>("POST", "/tenants", {
        body: {
          ...tenant,
          id: "Not An Id",
          timezone: "Mars/Olympus",
          hours: { ...tenant.hours, mon: ["17:00-07:00"] },
          phoneNumbers: [{ number: "12345" }],
          faq: [{ question: "Only a question?" }],
        },
      });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_FAILED");
      expect(response.body.error.requestId).toBe(response.headers.get("x-request-id"));
      expect(fieldPaths(response.body)).toEqual(
        expect.arrayContaining([
          "id",
          "timezone",
          "hours.mon.0",
          "phoneNumbers.0.number",
          "faq.0.answer",
        ]),
      );
    });

    it("NUL characters (U+0000) in any string with 400 naming each field, on every store", async () => {
      const tenant = buildTenant();
      const nul = "\u0000";
      const created = await call<ErrorResponse>("POST", "/tenants", {
        body: {
          ...tenant,
          name: `Harbour${nul}side`,
          services: ["Plumbing", `Gas${nul}`],
          faq: [{ question: "Do you do weekends?", answer: `Yes${nul}` }],
          phoneNumbers: [{ number: uniqueNumber(), vapiPhoneNumberId: `pn${nul}1` }],
        },
      });
      expect(created.status).toBe(400);
      expect(created.body.error.code).toBe("VALIDATION_FAILED");
      expect(created.body.error.details).toEqual(
        expect.arrayContaining(
          ["name", "services.1", "faq.0.answer", "phoneNumbers.0.vapiPhoneNumberId"].map(
            (path) => ({
              path,
              message: expect.stringContaining("NUL") as string,
            }),
          ),
        ),
      );
      // Each field once, even where a nested schema checks it too.
      expect(fieldPaths(created.body)).toHaveLength(4);
      expect((await call("GET", `/tenants/${tenant.id}`)).status).toBe(404);

      const existing = await createTenant(server.deps);
      const replaced = await call<ErrorResponse>("PUT", `/tenants/${existing.id}`, {
        body: { ...existing, name: `Renamed${nul}` },
      });
      expect(replaced.status).toBe(400);
      expect(fieldPaths(replaced.body)).toEqual(["name"]);
      const patched = await call<ErrorResponse>("PATCH", `/tenants/${existing.id}`, {
        headers: { "content-type": "application/merge-patch+json" },
        body: { assistant: { instructions: `Be brief.${nul}` } },
      });
      expect(patched.status).toBe(400);
      expect(fieldPaths(patched.body)).toEqual(["assistant.instructions"]);
      const attached = await call<ErrorResponse>("POST", `/tenants/${existing.id}/phone-numbers`, {
        body: { number: uniqueNumber(), vapiPhoneNumberId: `pn${nul}` },
      });
      expect(attached.status).toBe(400);
      expect(fieldPaths(attached.body)).toEqual(["vapiPhoneNumberId"]);

      const unchanged = await call<TenantResource>("GET", `/tenants/${existing.id}`);
      expect(unchanged.body.version).toBe(1);
      expect(unchanged.body.document.name).toBe(existing.name);
    });

    it("a NUL character (%00) in a path parameter or query value with 400 naming it", async () => {
      const existing = await createTenant(server.deps);
      const cases: [string, string, string][] = [
        ["GET", "/tenants/a%00b", "id"],
        ["DELETE", "/tenants/a%00b", "id"],
        ["GET", "/tenants?cursor=a%00b", "cursor"],
        ["DELETE", `/tenants/${existing.id}/phone-numbers/%2B61%00`, "number"],
        ["GET", "/calls?tenantId=a%00b", "tenantId"],
      ];
      for (const [method, path, field] of cases) {
        const response = await call<ErrorResponse>(method, path);
        expect(response.status, `${method} ${path}`).toBe(400);
        expect(fieldPaths(response.body), `${method} ${path}`).toEqual([field]);
      }
      // Authentication still comes first.
      expect((await call("GET", "/tenants/a%00b", { token: null })).status).toBe(401);
    });

    it("unknown keys (typos) instead of ignoring them", async () => {
      const response = await call<ErrorResponse>("POST", "/tenants", {
        body: { ...buildTenant(), hour: {} },
      });
      expect(response.status).toBe(400);
      expect(response.body.error.details).toEqual([
        { path: "(root)", message: expect.stringContaining("hour") as string },
      ]);
    });

    it("a body that is not JSON with 400 BAD_JSON, and a non-object body with VALIDATION_FAILED", async () => {
      const bad = await call<ErrorResponse>("POST", "/tenants", { body: "{nope" });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe("BAD_JSON");
      const array = await call<ErrorResponse>("PUT", "/tenants/some-id", { body: "[]" });
      expect(array.status).toBe(400);
      expect(fieldPaths(array.body)).toEqual(["(root)"]);
    });

    it("a second tenant with an existing id with 409 CONFLICT", async () => {
      const tenant = await createTenant(server.deps);
      const response = await call<ErrorResponse>("POST", "/tenants", {
        body: { ...buildTenant(), id: tenant.id },
      });
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe("CONFLICT");
    });

    it("a number that belongs to another tenant with 409, on create, replace and patch", async () => {
      const owner = await createTenant(server.deps);
      const taken = owner.phoneNumbers[0]?.number ?? "";
      const created = await call<ErrorResponse>("POST", "/tenants", {
        body: buildTenant({ phoneNumbers: [{ number: taken }] }),
      });
      expect(created.status).toBe(409);
      expect(created.body.error.message).toContain(owner.id);

      const other = await createTenant(server.deps);
      const replaced = await call<ErrorResponse>("PUT", `/tenants/${other.id}`, {
        body: { ...other, phoneNumbers: [{ number: taken }] },
      });
      expect(replaced.status).toBe(409);
      const patched = await call<ErrorResponse>("PATCH", `/tenants/${other.id}`, {
        body: {
          phoneNumbers: [
            { number: uniqueNumber(), vapiPhoneNumberId: owner.phoneNumbers[0]?.vapiPhoneNumberId },
          ],
        },
      });
      expect(patched.status).toBe(409);
      const unchanged = await call<TenantResource>("GET", `/tenants/${other.id}`);
      expect(unchanged.body.version).toBe(1);
    });

    it("a PUT whose body id differs from the path", async () => {
      const tenant = await createTenant(server.deps);
      const response = await call<ErrorResponse>("PUT", `/tenants/${tenant.id}`, {
        body: { ...tenant, id: "someone-else" },
      });
      expect(response.status).toBe(400);
      expect(fieldPaths(response.body)).toEqual(["id"]);
    });

    it("a patch that changes the id, is not an object, or leaves an invalid document", async () => {
      const tenant = await createTenant(server.deps);
      const rename = await call<ErrorResponse>("PATCH", `/tenants/${tenant.id}`, {
        body: { id: "new-id" },
      });
      expect(rename.status).toBe(400);
      expect(fieldPaths(rename.body)).toEqual(["id"]);
      const notObject = await call<ErrorResponse>("PATCH", `/tenants/${tenant.id}`, { body: [] });
      expect(fieldPaths(notObject.body)).toEqual(["(root)"]);
      const invalid = await call<ErrorResponse>("PATCH", `/tenants/${tenant.id}`, {
        body: { name: "", hours: { tue: ["9-5"] }, timezone: null },
      });
      expect(invalid.status).toBe(400);
      expect(fieldPaths(invalid.body).sort()).toEqual(["hours.tue.0", "name", "timezone"]);
      const json = await call<TenantResource>("GET", `/tenants/${tenant.id}`);
      expect(json.body.version).toBe(1);
    });

    it("a JSON Patch (RFC 6902) body with 415", async () => {
      const tenant = await createTenant(server.deps);
      const response = await call<ErrorResponse>("PATCH", `/tenants/${tenant.id}`, {
        headers: { "content-type": "application/json-patch+json" },
        body: [{ op: "replace", path: "/name", value: "x" }],
      });
      expect(response.status).toBe(415);
    });

    it.each(["limit=0", "limit=501", "limit=abc", "limit=2.5", "cursor="])(
      "a bad list query (%s) with the query field's path",
      async (query) => {
        const response = await call<ErrorResponse>("GET", `/tenants?${query}`);
        expect(response.status).toBe(400);
        expect(fieldPaths(response.body)).toEqual([query.split("=")[0]]);
      },
    );

    it("unknown tenants with 404 NOT_FOUND on get, replace-with-If-Match, patch and delete", async () => {
      const body = buildTenant();
      for (const [method, options] of [
        ["GET", {}],
        ["PUT", { body, headers: { "if-match": '"1"' } }],
        ["PATCH", { body: { name: "x" } }],
        ["DELETE", {}],
      ] as const) {
        const response = await call<ErrorResponse>(method, `/tenants/${body.id}`, options);
        expect(response.status, method).toBe(404);
        expect(response.body.error.code).toBe("NOT_FOUND");
      }
    });
  });

  describe("optimistic concurrency (If-Match)", () => {
    it("writes when If-Match names the current version and refuses a stale one with 409", async () => {
      const tenant = await createTenant(server.deps);
      const current = await call<TenantResource>("GET", `/tenants/${tenant.id}`);
      const etag = current.headers.get("etag") ?? "";
      const first = await call<TenantResource>("PATCH", `/tenants/${tenant.id}`, {
        headers: { "if-match": etag },
        body: { name: "First Writer" },
      });
      expect(first.status).toBe(200);
      const second = await call<ErrorResponse>("PATCH", `/tenants/${tenant.id}`, {
        headers: { "if-match": etag },
        body: { name: "Second Writer" },
      });
      expect(second.status).toBe(409);
      expect(second.body.error.details).toEqual({ currentVersion: 2 });
      const stale = await call<ErrorResponse>("PUT", `/tenants/${tenant.id}`, {
        headers: { "if-match": etag },
        body: tenant,
      });
      expect(stale.status).toBe(409);
      expect((await call<TenantResource>("GET", `/tenants/${tenant.id}`)).body.document.name).toBe(
        "First Writer",
      );
    });

    it("rejects an If-Match that is not one of our ETags", async () => {
      const tenant = await createTenant(server.deps);
      const response = await call<ErrorResponse>("PATCH", `/tenants/${tenant.id}`, {
        headers: { "if-match": '"abc"' },
        body: { name: "x" },
      });
      expect(response.status).toBe(400);
      expect(fieldPaths(response.body)).toEqual(["headers.if-match"]);
    });

    it("serialises concurrent patches without losing either", async () => {
      const tenant = await createTenant(server.deps, { services: [] });
      const results = await Promise.all(
        ["Roofing", "Guttering"].map((service, index) =>
          call<TenantResource>("PATCH", `/tenants/${tenant.id}`, {
            body: index === 0 ? { name: "Concurrent A" } : { services: [service] },
          }),
        ),
      );
      expect(results.map((result) => result.status)).toEqual([200, 200]);
      const final = await call<TenantResource>("GET", `/tenants/${tenant.id}`);
      expect(final.body.version).toBe(3);
      expect(final.body.document).toMatchObject({ name: "Concurrent A", services: ["Guttering"] });
    });
  });

  describe("webhook credentials (vapiAuth)", () => {
    const secret = "tenant-secret-0123456789-abcd";
    const hmacSecret = "tenant-hmac-0123456789-wxyz";

    it("are returned masked and never in clear", async () => {
      const tenant = buildTenant({ vapiAuth: { secrets: [secret], hmacSecrets: [hmacSecret] } });
      const created = await call<TenantResource>("POST", "/tenants", { body: tenant });
      const fetched = await call<TenantResource>("GET", `/tenants/${tenant.id}`);
      for (const response of [created, fetched]) {
        expect(response.body.document.vapiAuth).toEqual({
          secrets: ["••••abcd"],
          hmacSecrets: ["••••wxyz"],
        });
        expect(JSON.stringify(response.body)).not.toContain(secret);
      }
    });

    it("keep their stored values when a GET document is PUT back, and can be added to", async () => {
      const tenant = await createTenant(server.deps, {
        vapiAuth: { secrets: [secret], hmacSecrets: [hmacSecret] },
      });
      const fetched = await call<TenantResource>("GET", `/tenants/${tenant.id}`);
      const newSecret = "second-secret-9876543210-qrst";
      const document = fetched.body.document;
      const put = await call<TenantResource>("PUT", `/tenants/${tenant.id}`, {
        body: {
          ...document,
          name: "Round Trip",
          vapiAuth: {
            ...document.vapiAuth,
            secrets: [...(document.vapiAuth?.secrets ?? []), newSecret],
          },
        },
      });
      expect(put.status).toBe(200);
      expect(put.body.document.vapiAuth?.secrets).toEqual(["••••abcd", "••••qrst"]);
      const stored = await server.deps.tenants.findById(tenant.id);
      expect(stored?.tenant.vapiAuth).toEqual({
        secrets: [secret, newSecret],
        hmacSecrets: [hmacSecret],
      });
    });

    it("stay untouched by a patch of other fields and can be rotated by a patch", async () => {
      const tenant = await createTenant(server.deps, {
        vapiAuth: { secrets: [secret], hmacSecrets: [hmacSecret] },
      });
      await call("PATCH", `/tenants/${tenant.id}`, { body: { name: "Other Field" } });
      expect((await server.deps.tenants.findById(tenant.id))?.tenant.vapiAuth).toEqual({
        secrets: [secret],
        hmacSecrets: [hmacSecret],
      });
      const rotated = "rotated-secret-5555555555-mnop";
      const patched = await call<TenantResource>("PATCH", `/tenants/${tenant.id}`, {
        body: { vapiAuth: { secrets: [rotated, "••••abcd"] } },
      });
      expect(patched.status).toBe(200);
      expect((await server.deps.tenants.findById(tenant.id))?.tenant.vapiAuth).toEqual({
        secrets: [rotated, secret],
        hmacSecrets: [hmacSecret],
      });
    });

    it("refuse a masked value that matches no stored secret, naming its path", async () => {
      const tenant = await createTenant(server.deps, {
        vapiAuth: { secrets: [secret], hmacSecrets: [] },
      });
      const response = await call<ErrorResponse>("PATCH", `/tenants/${tenant.id}`, {
        body: { vapiAuth: { secrets: ["••••abcd"], hmacSecrets: ["••••abcd"] } },
      });
      expect(response.status).toBe(400);
      expect(fieldPaths(response.body)).toEqual(["vapiAuth.hmacSecrets.0"]);
      const created = await call<ErrorResponse>("POST", "/tenants", {
        body: { ...buildTenant(), vapiAuth: { secrets: ["••••abcd"], hmacSecrets: [] } },
      });
      expect(fieldPaths(created.body)).toEqual(["vapiAuth.secrets.0"]);
    });
  });
});
