import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { ADMIN_TOKEN, adminClient, type AdminCall } from "./admin-client.js";

const SECRET = `whsec_${randomBytes(32).toString("base64")}`;

describe("admin API and the tenant's notification signing secret", () => {
  let server: TestServer;
  let admin: AdminCall;
  beforeAll(async () => {
    server = await startTestServer({ env: { ADMIN_TOKEN } });
    admin = adminClient(server);
  });
  afterAll(async () => {
    await server.close();
  });

  it("never returns notify.secret in clear and keeps it when the masked value comes back", async () => {
    const tenant = {
      ...buildTenant(),
      notify: { webhookUrl: "https://hooks.example.com/frontdesk", secret: SECRET },
    };
    expect((await admin("POST", "/tenants", { body: tenant })).status).toBe(201);

    const shown = await admin<{ document: { notify: { secret: string } } }>(
      "GET",
      `/tenants/${tenant.id}`,
    );
    expect(JSON.stringify(shown.body)).not.toContain(SECRET);
    expect(shown.body.document.notify.secret).toBe(`••••${SECRET.slice(-4)}`);

    // A GET-edit-PUT round trip sends the mask back: the stored secret survives.
    const edited = { ...shown.body.document, name: "Renamed With Notify" };
    expect((await admin("PUT", `/tenants/${tenant.id}`, { body: edited })).status).toBe(200);
    const stored = await server.deps.tenants.findById(tenant.id);
    expect(stored?.tenant.notify?.secret).toBe(SECRET);
    expect(stored?.tenant.name).toBe("Renamed With Notify");

    // A mask that matches nothing is a field error, not a silently stored mask.
    const wrong = await admin<{ error: { details: { path: string }[] } }>(
      "PATCH",
      `/tenants/${tenant.id}`,
      {
        body: { notify: { secret: "••••zzzz" } },
      },
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details.map((issue) => issue.path)).toContain("notify.secret");
  });
});
