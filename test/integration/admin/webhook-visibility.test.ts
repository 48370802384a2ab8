import type { Vapi } from "@vapi-ai/server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assistantRequest } from "../../fixtures/vapi/builders.js";
import { buildTenant, uniqueNumber } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import {
  availableStores,
  isRedisAvailable,
  REDIS_URL,
  uniqueRedisPrefix,
  waitForTenantChangeSubscribers,
} from "../../helpers/test-database.js";
import { ADMIN_TOKEN, adminClient, type AdminCall } from "./admin-client.js";

const stores = await availableStores();
const redisUp = await isRedisAvailable();

/* Every admin change must reach the webhook at once, even though the webhook answers from cache. */
describe.each(stores)("admin changes seen by the webhook (%s)", (store) => {
  let server: TestServer;
  let call: AdminCall;

  beforeAll(async () => {
    server = await startTestServer({ store, env: { ADMIN_TOKEN } });
    call = adminClient(server);
  });
  afterAll(async () => {
    await server.close();
  });

  async function assistantFor(number: string | undefined) {
    const response = await server.postWebhook(assistantRequest({ number }));
    expect(response.status).toBe(200);
    return (await response.json()) as Vapi.ServerMessageResponseAssistantRequest;
  }

  it("answers with the new name right after a PATCH of the name", async () => {
    const tenant = buildTenant({ phoneNumbers: [{ number: uniqueNumber() }] });
    expect((await call("POST", "/tenants", { body: tenant })).status).toBe(201);
    const number = tenant.phoneNumbers[0]?.number;

    const before = await assistantFor(number);
    expect(before.assistant?.metadata).toEqual({ tenantId: tenant.id, tenantName: tenant.name });
    expect(before.assistant?.firstMessage).toContain(tenant.name);
    // Answered twice so the second comes from the memory cache the PATCH must invalidate.
    expect((await assistantFor(number)).assistant?.metadata?.tenantName).toBe(tenant.name);

    expect(
      (await call("PATCH", `/tenants/${tenant.id}`, { body: { name: "Renamed Drains Co" } }))
        .status,
    ).toBe(200);

    const after = await assistantFor(number);
    expect(after.assistant?.metadata).toEqual({
      tenantId: tenant.id,
      tenantName: "Renamed Drains Co",
    });
    expect(after.assistant?.firstMessage).toContain("Renamed Drains Co");
  });

  it("answers a newly attached number at once, although it was just cached as unknown", async () => {
    const tenant = buildTenant({ phoneNumbers: [] });
    await call("POST", "/tenants", { body: tenant });
    const number = uniqueNumber();
    expect((await assistantFor(number)).assistant).toBeUndefined();

    expect(
      (await call("POST", `/tenants/${tenant.id}/phone-numbers`, { body: { number } })).status,
    ).toBe(201);
    expect((await assistantFor(number)).assistant?.metadata?.tenantId).toBe(tenant.id);

    expect(
      (await call("DELETE", `/tenants/${tenant.id}/phone-numbers/${encodeURIComponent(number)}`))
        .status,
    ).toBe(204);
    const detached = await assistantFor(number);
    expect(detached.assistant).toBeUndefined();
    expect(detached.error).toBe(server.config.fallback.message);
  });

  it("stops answering for a deleted tenant at once, and sees a PUT replacement at once", async () => {
    const tenant = buildTenant({ phoneNumbers: [{ number: uniqueNumber() }] });
    await call("POST", "/tenants", { body: tenant });
    const number = tenant.phoneNumbers[0]?.number;
    expect((await assistantFor(number)).assistant?.metadata?.tenantId).toBe(tenant.id);

    await call("PUT", `/tenants/${tenant.id}`, { body: { ...tenant, name: "Replaced Name Pty" } });
    expect((await assistantFor(number)).assistant?.metadata?.tenantName).toBe("Replaced Name Pty");

    expect((await call("DELETE", `/tenants/${tenant.id}`)).status).toBe(204);
    expect((await assistantFor(number)).assistant).toBeUndefined();
  });
});

describe.runIf(redisUp).each(stores)(
  "admin changes seen by another instance via Redis (%s)",
  (store) => {
    const servers: TestServer[] = [];
    afterAll(async () => {
      // The owner of the database closes last.
      for (const server of servers.reverse()) await server.close();
    });

    it("reaches the other instance's cached copy within a second", async () => {
      const prefix = uniqueRedisPrefix();
      const env = { ADMIN_TOKEN, REDIS_URL, REDIS_KEY_PREFIX: prefix };
      const admin = await startTestServer({ store, env });
      servers.push(admin);
      const webhook = await startTestServer({ store, env, database: admin.database });
      servers.push(webhook);
      const call = adminClient(admin);
      const tenant = buildTenant({ phoneNumbers: [{ number: uniqueNumber() }] });
      expect((await call("POST", "/tenants", { body: tenant })).status).toBe(201);
      const number = tenant.phoneNumbers[0]?.number;
      const ask = async () => {
        const response = await webhook.postWebhook(assistantRequest({ number }));
        const body = (await response.json()) as Vapi.ServerMessageResponseAssistantRequest;
        return body.assistant?.metadata?.tenantName;
      };

      // Both instances' subscribers connected, then the second instance's memory cache warmed.
      await waitForTenantChangeSubscribers(prefix, 2);
      expect(await ask()).toBe(tenant.name);
      expect(await ask()).toBe(tenant.name);

      const patched = await call("PATCH", `/tenants/${tenant.id}`, {
        body: { name: "Seen Everywhere" },
      });
      expect(patched.status).toBe(200);
      const deadline = Date.now() + 1000;
      let seen = await ask();
      while (seen !== "Seen Everywhere" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        seen = await ask();
      }
      expect(seen).toBe("Seen Everywhere");
    });
  },
);
