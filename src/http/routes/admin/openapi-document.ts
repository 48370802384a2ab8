import { z } from "zod";
import {
  ErrorBodySchema,
  FieldIssueSchema,
  ListTenantsQuerySchema,
  TenantListSchema,
  TenantResourceSchema,
  TenantSummarySchema,
} from "../../../admin/admin-schemas.js";
import { buildRecordPaths, RECORD_SCHEMAS } from "../../../admin/records/record-openapi.js";
import { PhoneNumberSchema, TenantDocumentSchema } from "../../../tenants/tenant-document.js";

type JsonObject = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonObject) => ({ "application/json": { schema } });
const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
const TENANT_ID = { $ref: "#/components/parameters/TenantId" };
const IF_MATCH = { $ref: "#/components/parameters/IfMatch" };
const ETAG = { ETag: { $ref: "#/components/headers/ETag" } };
const tenantResponse = (description: string) => ({
  description,
  headers: ETAG,
  content: json(ref("TenantResource")),
});

/**
 * The admin API's OpenAPI 3.1 document. Every body shape comes from the zod schemas the routes
 * validate with (`z.toJSONSchema`, input side: what a client may send); only the paths and
 * operations are written here. Refinements zod cannot express in JSON Schema (E.164 numbers,
 * time zones, "HH:MM-HH:MM" ranges) are enforced by the server and described in error details.
 */
export function buildOpenApiDocument(): JsonObject {
  const registry = z.registry<{ id: string }>();
  registry.add(TenantDocumentSchema, { id: "TenantDocument" });
  registry.add(PhoneNumberSchema, { id: "PhoneNumber" });
  registry.add(TenantSummarySchema, { id: "TenantSummary" });
  registry.add(TenantListSchema, { id: "TenantList" });
  registry.add(TenantResourceSchema, { id: "TenantResource" });
  registry.add(FieldIssueSchema, { id: "FieldIssue" });
  registry.add(ErrorBodySchema, { id: "ErrorBody" });
  for (const [id, schema] of Object.entries(RECORD_SCHEMAS)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    io: "input",
    uri: (id) => `#/components/schemas/${id}`,
  });
  // Each schema is a component here, not a standalone document: drop its $schema and $id.
  const schemas = Object.fromEntries(
    Object.entries(generated.schemas).map(([id, schema]) => {
      const component: JsonObject = { ...schema };
      delete component.$schema;
      delete component.$id;
      return [id, component];
    }),
  );
  const listQuery = z.toJSONSchema(ListTenantsQuerySchema, { io: "input" });
  const queryParameters = Object.entries(listQuery.properties ?? {}).map(([name, schema]) => {
    const { description, ...rest } = schema as JsonObject;
    return { name, in: "query", required: false, description, schema: rest };
  });

  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "frontdesk admin API",
      version: "1",
      description:
        "Manage tenants and their phone numbers; read calls, leads, bookings, messages and webhook deliveries (and re-send a failed delivery). Every change is visible to the Vapi webhook at once. Errors are `{error:{code,message,requestId,details?}}`; validation errors list each field path. The API exists only when ADMIN_TOKEN is set.",
    },
    servers: [{ url: "/admin/v1" }],
    security: [{ adminToken: [] }],
    paths: {
      "/tenants": {
        get: {
          operationId: "listTenants",
          summary: "List tenants by id, one page at a time",
          parameters: queryParameters,
          responses: {
            200: { description: "One page", content: json(ref("TenantList")) },
            400: errorRef("ValidationFailed"),
            401: errorRef("Unauthorized"),
          },
        },
        post: {
          operationId: "createTenant",
          summary: "Create a tenant (409 if the id exists)",
          requestBody: { required: true, content: json(ref("TenantDocument")) },
          responses: {
            201: {
              ...tenantResponse("Created"),
              headers: { ...ETAG, Location: { schema: { type: "string" } } },
            },
            400: errorRef("ValidationFailed"),
            401: errorRef("Unauthorized"),
            409: errorRef("Conflict"),
          },
        },
      },
      "/tenants/{id}": {
        parameters: [TENANT_ID],
        get: {
          operationId: "getTenant",
          summary: "Get one tenant document (secrets masked)",
          responses: {
            200: tenantResponse("The tenant"),
            401: errorRef("Unauthorized"),
            404: errorRef("NotFound"),
          },
        },
        put: {
          operationId: "replaceTenant",
          summary: "Replace a tenant, or create it when missing",
          description:
            "The body's `id` must equal the path's or be omitted. Without If-Match a missing tenant is created (201); with If-Match it must exist. Masked `vapiAuth` values keep the stored secrets.",
          parameters: [IF_MATCH],
          requestBody: { required: true, content: json(ref("TenantDocument")) },
          responses: {
            200: tenantResponse("Replaced"),
            201: tenantResponse("Created"),
            400: errorRef("ValidationFailed"),
            401: errorRef("Unauthorized"),
            404: errorRef("NotFound"),
            409: errorRef("Conflict"),
          },
        },
        patch: {
          operationId: "patchTenant",
          summary: "Change part of a tenant (JSON merge patch, RFC 7386)",
          description:
            "Objects merge, `null` removes a key, arrays replace. The result is validated as a whole document. The id cannot change.",
          parameters: [IF_MATCH],
          requestBody: {
            required: true,
            content: {
              "application/merge-patch+json": { schema: { type: "object" } },
              "application/json": { schema: { type: "object" } },
            },
          },
          responses: {
            200: tenantResponse("Patched"),
            400: errorRef("ValidationFailed"),
            401: errorRef("Unauthorized"),
            404: errorRef("NotFound"),
            409: errorRef("Conflict"),
          },
        },
        delete: {
          operationId: "deleteTenant",
          summary: "Delete a tenant, its numbers and its call records",
          responses: {
            204: { description: "Deleted" },
            401: errorRef("Unauthorized"),
            404: errorRef("NotFound"),
          },
        },
      },
      "/tenants/{id}/phone-numbers": {
        parameters: [TENANT_ID],
        post: {
          operationId: "attachPhoneNumber",
          summary: "Attach a phone number (idempotent for this tenant)",
          description: "409 when the number or its Vapi id belongs to another tenant.",
          parameters: [IF_MATCH],
          requestBody: { required: true, content: json(ref("PhoneNumber")) },
          responses: {
            200: tenantResponse("Already attached (or its Vapi id updated)"),
            201: tenantResponse("Attached"),
            400: errorRef("ValidationFailed"),
            401: errorRef("Unauthorized"),
            404: errorRef("NotFound"),
            409: errorRef("Conflict"),
          },
        },
      },
      "/tenants/{id}/phone-numbers/{number}": {
        parameters: [
          TENANT_ID,
          {
            name: "number",
            in: "path",
            required: true,
            description: "E.164, URL-encoded (%2B61255501234).",
            schema: { type: "string" },
          },
        ],
        delete: {
          operationId: "detachPhoneNumber",
          summary: "Detach a phone number",
          parameters: [IF_MATCH],
          responses: {
            204: { description: "Detached" },
            400: errorRef("ValidationFailed"),
            401: errorRef("Unauthorized"),
            404: errorRef("NotFound"),
            409: errorRef("Conflict"),
          },
        },
      },
      ...buildRecordPaths(),
      "/openapi.json": {
        get: {
          operationId: "getOpenApiDocument",
          summary: "This document",
          responses: {
            200: { description: "OpenAPI 3.1", content: json({ type: "object" }) },
            401: errorRef("Unauthorized"),
          },
        },
      },
    },
    components: {
      schemas,
      securitySchemes: {
        adminToken: { type: "http", scheme: "bearer", description: "The ADMIN_TOKEN value." },
      },
      parameters: {
        TenantId: { name: "id", in: "path", required: true, schema: { type: "string" } },
        IfMatch: {
          name: "If-Match",
          in: "header",
          required: false,
          description:
            'A version from an ETag ("3"): the write happens only if the tenant is still at that version, else 409.',
          schema: { type: "string" },
        },
      },
      headers: {
        ETag: { description: "The tenant version, quoted.", schema: { type: "string" } },
      },
      responses: {
        ValidationFailed: errorResponse("VALIDATION_FAILED: details list each field path"),
        Unauthorized: errorResponse("UNAUTHORIZED: missing or wrong bearer token"),
        NotFound: errorResponse(
          "NOT_FOUND (also for another tenant's record when tenantId is given)",
        ),
        Conflict: errorResponse(
          "CONFLICT: the id exists, a number belongs to another tenant, the version moved on, or a delivery that is not failed was re-sent",
        ),
      },
    },
  };
}

function errorResponse(description: string) {
  return { description, content: json(ref("ErrorBody")) };
}
