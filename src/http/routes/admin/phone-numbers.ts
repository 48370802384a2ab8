import type { FastifyInstance } from "fastify";
import { parseIfMatch } from "../../../admin/if-match.js";
import type { TenantAdmin } from "../../../admin/tenant-admin.js";
import { sendResource } from "./send-resource.js";

export interface PhoneNumberRoutesOptions {
  admin: TenantAdmin;
}

/** Attach and detach a tenant's numbers (a number belongs to at most one tenant). */
export async function phoneNumberRoutes(app: FastifyInstance, { admin }: PhoneNumberRoutesOptions) {
  app.post<{ Params: { id: string } }>("/tenants/:id/phone-numbers", async (request, reply) => {
    const { resource, attached } = await admin.attachPhoneNumber(
      request.params.id,
      request.body,
      parseIfMatch(request.headers["if-match"]),
    );
    return sendResource(reply, resource, attached ? 201 : 200);
  });

  // The path segment arrives URL-decoded ("%2B612..." → "+612..."); the service normalises it.
  app.delete<{ Params: { id: string; number: string } }>(
    "/tenants/:id/phone-numbers/:number",
    async (request, reply) => {
      await admin.detachPhoneNumber(
        request.params.id,
        request.params.number,
        parseIfMatch(request.headers["if-match"]),
      );
      return reply.status(204).send();
    },
  );
}
