import type { FastifyInstance } from "fastify";
import { parseIfMatch } from "../../../admin/if-match.js";
import type { TenantAdmin } from "../../../admin/tenant-admin.js";
import { sendResource } from "./send-resource.js";

export interface TenantRoutesOptions {
  admin: TenantAdmin;
}

interface ById {
  Params: { id: string };
}

/** /tenants: list, get, create, replace, merge-patch, delete. Validation lives in the service. */
export async function tenantRoutes(app: FastifyInstance, { admin }: TenantRoutesOptions) {
  app.get("/tenants", async (request) => admin.listTenants(request.query));

  app.get<ById>("/tenants/:id", async (request, reply) =>
    sendResource(reply, await admin.getTenant(request.params.id)),
  );

  app.post("/tenants", async (request, reply) => {
    const resource = await admin.createTenant(request.body);
    void reply.header(
      "location",
      `${app.prefix}/tenants/${encodeURIComponent(resource.document.id)}`,
    );
    return sendResource(reply, resource, 201);
  });

  app.put<ById>("/tenants/:id", async (request, reply) => {
    const { resource, created } = await admin.replaceTenant(
      request.params.id,
      request.body,
      parseIfMatch(request.headers["if-match"]),
    );
    return sendResource(reply, resource, created ? 201 : 200);
  });

  app.patch<ById>("/tenants/:id", async (request, reply) => {
    const resource = await admin.patchTenant(
      request.params.id,
      request.body,
      parseIfMatch(request.headers["if-match"]),
    );
    return sendResource(reply, resource);
  });

  app.delete<ById>("/tenants/:id", async (request, reply) => {
    await admin.deleteTenant(request.params.id);
    return reply.status(204).send();
  });
}
