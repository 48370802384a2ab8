import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tenant } from "../../src/tenants/tenant-document.js";
import { createTenant } from "../helpers/factories.js";
import { signHmac } from "../helpers/sign.js";
import { startTestServer, type TestServer } from "../helpers/start-server.js";
import { assistantRequest } from "../fixtures/vapi/builders.js";

const GLOBAL_SECRET = "global-secret-0123456789abcdef";
const A_SECRET = "tenant-a-secret-0123456789";
const A_HMAC = "tenant-a-hmac-key-0123456789";
const B_SECRET = "tenant-b-secret-0123456789";

function bodyFor(tenant: Tenant): string {
  const phone = tenant.phoneNumbers[0];
  return JSON.stringify(
    assistantRequest({ vapiPhoneNumberId: phone?.vapiPhoneNumberId, number: phone?.number }),
  );
}

describe.each([
  { mode: "with a global secret too", env: { VAPI_SECRET: GLOBAL_SECRET } },
  { mode: "without global credentials", env: {} },
])("per-tenant webhook credentials $mode", ({ env }) => {
  let server: TestServer;
  let tenantA: Tenant;
  let tenantB: Tenant;
  let tenantOpen: Tenant;

  beforeAll(async () => {
    server = await startTestServer({ env });
    tenantA = await createTenant(server.deps, {
      vapiAuth: { secrets: [A_SECRET], hmacSecrets: [A_HMAC] },
    });
    tenantB = await createTenant(server.deps, { vapiAuth: { secrets: [B_SECRET] } });
    tenantOpen = await createTenant(server.deps);
  });
  afterAll(async () => {
    await server.close();
  });

  it("accepts a tenant's own secret and HMAC signature on that tenant's number", async () => {
    const secretResponse = await server.postWebhook(bodyFor(tenantA), {
      "x-vapi-secret": A_SECRET,
    });
    expect(secretResponse.status).toBe(200);
    expect(
      ((await secretResponse.json()) as { assistant?: { metadata?: { tenantId?: string } } })
        .assistant?.metadata?.tenantId,
    ).toBe(tenantA.id);

    const body = bodyFor(tenantA);
    const hmacResponse = await server.postWebhook(body, signHmac(body, { secret: A_HMAC }));
    expect(hmacResponse.status).toBe(200);
  });

  it("rejects tenant A's key on tenant B's number with 401", async () => {
    const response = await server.postWebhook(bodyFor(tenantB), {
      authorization: `Bearer ${A_SECRET}`,
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("UNAUTHORIZED");
    const line = server.logs.filter((entry) => entry.msg === "vapi webhook").at(-1);
    expect(line?.authFailure).toBe("secret-mismatch");
    expect(JSON.stringify(server.logs)).not.toContain(A_SECRET);
  });

  it("rejects tenant A's HMAC key on tenant B's number", async () => {
    const body = bodyFor(tenantB);
    const response = await server.postWebhook(body, signHmac(body, { secret: A_HMAC }));
    expect(response.status).toBe(401);
  });

  it("applies the global rule to a tenant without keys of its own", async () => {
    const response = await server.postWebhook(bodyFor(tenantOpen), { "x-vapi-secret": A_SECRET });
    expect(response.status).toBe("VAPI_SECRET" in env ? 401 : 200);
  });

  it("rejects a request without credentials for a tenant that has its own", async () => {
    const response = await server.postWebhook(bodyFor(tenantA));
    expect(response.status).toBe(401);
  });
});

describe("global credentials keep working next to tenant credentials", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { VAPI_SECRET: GLOBAL_SECRET } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("accepts the global secret for a tenant with its own keys and for one without", async () => {
    const withKeys = await createTenant(server.deps, { vapiAuth: { secrets: [A_SECRET] } });
    const without = await createTenant(server.deps);
    expect(
      (await server.postWebhook(bodyFor(withKeys), { "x-vapi-secret": GLOBAL_SECRET })).status,
    ).toBe(200);
    expect(
      (await server.postWebhook(bodyFor(without), { "x-vapi-secret": GLOBAL_SECRET })).status,
    ).toBe(200);
    // A tenant's key does not open another tenant that has none.
    expect((await server.postWebhook(bodyFor(without), { "x-vapi-secret": A_SECRET })).status).toBe(
      401,
    );
  });
});

describe("no credentials anywhere", () => {
  it("still accepts unauthenticated requests for tenants without keys (development mode)", async () => {
    const server = await startTestServer();
    try {
      const open = await createTenant(server.deps);
      expect((await server.postWebhook(bodyFor(open))).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
