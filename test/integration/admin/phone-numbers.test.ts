import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantList, TenantResource } from "../../../src/admin/admin-schemas.js";
import { createTenant, uniqueNumber } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";
import {
  ADMIN_TOKEN,
  adminClient,
  fieldPaths,
  type AdminCall,
  type ErrorResponse,
} from "./admin-client.js";

describe.each(await availableStores())("admin API: phone numbers (%s)", (store) => {
  let server: TestServer;
  let call: AdminCall;

  beforeAll(async () => {
    server = await startTestServer({ store, env: { ADMIN_TOKEN } });
    call = adminClient(server);
  });
  afterAll(async () => {
    await server.close();
  });

  const attach = (tenantId: string, body: unknown) =>
    call<TenantResource & ErrorResponse>("POST", `/tenants/${tenantId}/phone-numbers`, { body });
  const detach = (tenantId: string, number: string) =>
    call<ErrorResponse>(
      "DELETE",
      `/tenants/${tenantId}/phone-numbers/${encodeURIComponent(number)}`,
    );

  describe("works", () => {
    it("attaches a number (201) and lists it with the tenant", async () => {
      const tenant = await createTenant(server.deps);
      const number = uniqueNumber();
      const vapiPhoneNumberId = randomUUID();
      const response = await attach(tenant.id, { number, vapiPhoneNumberId });
      expect(response.status).toBe(201);
      expect(response.body.version).toBe(2);
      expect(response.body.document.phoneNumbers).toEqual([
        ...tenant.phoneNumbers,
        { number, vapiPhoneNumberId },
      ]);
      const list = await call<TenantList>(
        "GET",
        `/tenants?cursor=${tenant.id.slice(0, -1)}&limit=1`,
      );
      expect(list.body.data[0]?.phoneNumbers).toEqual(
        [...tenant.phoneNumbers.map((p) => p.number), number].sort(),
      );
      expect(
        (await server.deps.tenants.findByVapiPhoneNumberId(vapiPhoneNumberId))?.tenant.id,
      ).toBe(tenant.id);
    });

    it("is idempotent: attaching a number the tenant already has answers 200 and changes nothing", async () => {
      const tenant = await createTenant(server.deps);
      const existing = tenant.phoneNumbers[0];
      for (const body of [existing, { number: existing?.number }]) {
        const response = await attach(tenant.id, body);
        expect(response.status).toBe(200);
        expect(response.body.version).toBe(1);
      }
    });

    it("updates the Vapi id of a number the tenant already has (200)", async () => {
      const tenant = await createTenant(server.deps);
      const number = tenant.phoneNumbers[0]?.number ?? "";
      const vapiPhoneNumberId = randomUUID();
      const response = await attach(tenant.id, { number, vapiPhoneNumberId });
      expect(response.status).toBe(200);
      expect(response.body.version).toBe(2);
      expect(response.body.document.phoneNumbers).toEqual([{ number, vapiPhoneNumberId }]);
    });

    it("detaches a URL-encoded E.164 number (204), then answers 404 for it", async () => {
      const tenant = await createTenant(server.deps);
      const number = tenant.phoneNumbers[0]?.number ?? "";
      expect((await detach(tenant.id, number)).status).toBe(204);
      const fetched = await call<TenantResource>("GET", `/tenants/${tenant.id}`);
      expect(fetched.body.document.phoneNumbers).toEqual([]);
      expect(await server.deps.tenants.findByNumber(number)).toBeUndefined();
      const again = await detach(tenant.id, number);
      expect(again.status).toBe(404);
      expect(again.body.error.code).toBe("NOT_FOUND");
    });

    it("lets a detached number be attached to another tenant", async () => {
      const first = await createTenant(server.deps);
      const second = await createTenant(server.deps);
      const phone = first.phoneNumbers[0];
      expect((await detach(first.id, phone?.number ?? "")).status).toBe(204);
      const response = await attach(second.id, phone);
      expect(response.status).toBe(201);
    });
  });

  describe("rejects", () => {
    it("a number that belongs to another tenant with 409 CONFLICT, leaving both unchanged", async () => {
      const owner = await createTenant(server.deps);
      const other = await createTenant(server.deps);
      const response = await attach(other.id, { number: owner.phoneNumbers[0]?.number });
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe("CONFLICT");
      expect(response.body.error.message).toContain(owner.id);
      expect((await call<TenantResource>("GET", `/tenants/${other.id}`)).body.version).toBe(1);
      expect(
        (await server.deps.tenants.findByNumber(owner.phoneNumbers[0]?.number ?? ""))?.tenant.id,
      ).toBe(owner.id);
    });

    it("a Vapi phone-number id that belongs to another tenant with 409", async () => {
      const owner = await createTenant(server.deps);
      const other = await createTenant(server.deps);
      const response = await attach(other.id, {
        number: uniqueNumber(),
        vapiPhoneNumberId: owner.phoneNumbers[0]?.vapiPhoneNumberId,
      });
      expect(response.status).toBe(409);
    });

    it("a Vapi id already used by another number of the same tenant with 409", async () => {
      const tenant = await createTenant(server.deps);
      const response = await attach(tenant.id, {
        number: uniqueNumber(),
        vapiPhoneNumberId: tenant.phoneNumbers[0]?.vapiPhoneNumberId,
      });
      expect(response.status).toBe(409);
    });

    it("an invalid body with each field's path", async () => {
      const tenant = await createTenant(server.deps);
      const bad = await attach(tenant.id, {
        number: "not a number",
        vapiPhoneNumberId: "",
        extra: 1,
      });
      expect(bad.status).toBe(400);
      expect(fieldPaths(bad.body).sort()).toEqual(["(root)", "number", "vapiPhoneNumberId"]);
      const missing = await attach(tenant.id, {});
      expect(fieldPaths(missing.body)).toEqual(["number"]);
    });

    it("a path number that is not E.164 with 400", async () => {
      const tenant = await createTenant(server.deps);
      const response = await detach(tenant.id, "12ab");
      expect(response.status).toBe(400);
      expect(fieldPaths(response.body)).toEqual(["number"]);
    });

    it("unknown tenants with 404 on attach and detach", async () => {
      expect((await attach("no-such-tenant", { number: uniqueNumber() })).status).toBe(404);
      expect((await detach("no-such-tenant", uniqueNumber())).status).toBe(404);
    });
  });
});
