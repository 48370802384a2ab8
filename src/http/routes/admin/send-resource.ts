import type { FastifyReply } from "fastify";
import type { TenantResource } from "../../../admin/admin-schemas.js";
import { toEntityTag } from "../../../admin/if-match.js";

/** Sends a tenant with its version as the ETag (what a later If-Match quotes). */
export function sendResource(reply: FastifyReply, resource: TenantResource, statusCode = 200) {
  return reply.status(statusCode).header("etag", toEntityTag(resource.version)).send(resource);
}
