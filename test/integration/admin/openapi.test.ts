import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { PhoneNumberSchema, TenantDocumentSchema } from "../../../src/tenants/tenant-document.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { ADMIN_TOKEN, adminClient, omit, type AdminCall } from "./admin-client.js";

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string }>>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

// The document does not depend on the store: SQLite only.
describe("admin API: openapi.json", () => {
  let server: TestServer;
  let call: AdminCall;
  let document: OpenApiDocument;

  beforeAll(async () => {
    server = await startTestServer({ env: { ADMIN_TOKEN } });
    call = adminClient(server);
    const response = await call<OpenApiDocument>("GET", "/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    document = response.body;
  });
  afterAll(async () => {
    await server.close();
  });

  it("is an OpenAPI 3.1 document describing every admin operation", () => {
    expect(document.openapi).toBe("3.1.0");
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => method !== "parameters")
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        "GET /tenants",
        "POST /tenants",
        "GET /tenants/{id}",
        "PUT /tenants/{id}",
        "PATCH /tenants/{id}",
        "DELETE /tenants/{id}",
        "POST /tenants/{id}/phone-numbers",
        "DELETE /tenants/{id}/phone-numbers/{number}",
        "GET /calls",
        "GET /calls/{id}",
        "GET /leads",
        "GET /bookings",
        "GET /messages",
        "GET /deliveries",
        "GET /deliveries/{id}",
        "POST /deliveries/{id}/resend",
        "GET /openapi.json",
      ].sort(),
    );
  });

  it("takes the tenant shape from the same zod schema the API validates with", () => {
    const expected = omit(z.toJSONSchema(TenantDocumentSchema, { io: "input" }), "$schema");
    // The shared phone-number shape is its own component, referenced from the document.
    const phone = omit(z.toJSONSchema(PhoneNumberSchema, { io: "input" }), "$schema");
    const properties = expected.properties as Record<string, { items?: unknown }>;
    expect(properties.phoneNumbers?.items).toEqual(phone);
    properties.phoneNumbers = {
      ...properties.phoneNumbers,
      items: { $ref: "#/components/schemas/PhoneNumber" },
    };
    expect(document.components.schemas.TenantDocument).toEqual(expected);
    expect(document.components.schemas.PhoneNumber).toEqual(phone);
    expect(document.components.schemas.TenantResource).toMatchObject({
      properties: { document: { $ref: "#/components/schemas/TenantDocument" } },
    });
  });

  it("every $ref points at a component that exists", () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)];
    expect(refs.length).toBeGreaterThan(10);
    const components = document.components as unknown as Record<string, Record<string, unknown>>;
    for (const [, kind, name] of refs) {
      expect(components[kind ?? ""]?.[name ?? ""], `${kind}/${name}`).toBeDefined();
    }
  });
});
