import type { FastifyInstance } from "fastify";
import type { Clock } from "../../../clock.js";
import { createTenantAdmin, type TenantAdminDeps } from "../../../admin/tenant-admin.js";
import {
  createRecordAdmin,
  type RecordAdminDeps,
} from "../../../admin/records/create-record-admin.js";
import type { TenantRepo } from "../../../tenants/tenant-repo.js";
import { adminAuth } from "../../plugins/admin-auth.js";
import { rejectNulCharacters } from "../../plugins/reject-nul-characters.js";
import { bookingRoutes } from "./bookings.js";
import { callRoutes } from "./calls.js";
import { deliveryRoutes } from "./deliveries.js";
import { leadRoutes } from "./leads.js";
import { messageRoutes } from "./messages.js";
import { openApiRoute } from "./openapi.js";
import { phoneNumberRoutes } from "./phone-numbers.js";
import { tenantRoutes } from "./tenants.js";

export interface AdminRoutesOptions {
  /** ADMIN_TOKEN. The app registers this plugin only when it is set. */
  token: string;
  tenants: TenantRepo;
  resolver: TenantAdminDeps["resolver"];
  clock: Clock;
  /** Read side (calls, leads, bookings, messages, deliveries) and delivery re-sends. */
  db: RecordAdminDeps["db"];
  jobs: RecordAdminDeps["jobs"];
}

/**
 * The admin API (register with prefix /admin/v1). Encapsulated: its auth hook and merge-patch
 * parser apply to these routes only.
 *
 * openapi.json is behind the token like everything else. It holds no data, but one hook with no
 * exceptions leaves no route to forget, it does not advertise the API to anyone probing the
 * webhook host, and every consumer (an operator's client, codegen) can send the header.
 */
export async function adminRoutes(app: FastifyInstance, options: AdminRoutesOptions) {
  app.addHook("onRequest", adminAuth({ token: options.token }));
  app.addHook("preValidation", rejectNulCharacters());
  // RFC 7386's media type, parsed exactly like Fastify's JSON (prototype-poisoning protection).
  app.addContentTypeParser(
    "application/merge-patch+json",
    { parseAs: "string" },
    app.getDefaultJsonParser("error", "remove"),
  );

  const admin = createTenantAdmin({
    tenants: options.tenants,
    resolver: options.resolver,
    clock: options.clock,
    onPublishError: (tenantId, error) =>
      app.log.warn(
        { err: error, tenantId },
        "tenant change saved but not broadcast; other instances see it when their cache expires",
      ),
  });
  await app.register(tenantRoutes, { admin });
  await app.register(phoneNumberRoutes, { admin });
  const records = createRecordAdmin({
    db: options.db,
    jobs: options.jobs,
    tenants: options.tenants,
    clock: options.clock,
  });
  await app.register(callRoutes, { records });
  await app.register(leadRoutes, { records });
  await app.register(bookingRoutes, { records });
  await app.register(messageRoutes, { records });
  await app.register(deliveryRoutes, { records });
  await app.register(openApiRoute);
}
