import type { Kysely } from "kysely";
import { createTenantAdmin } from "../admin/tenant-admin.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";
import type { JobQueue } from "../jobs/queue.js";
import { resendDelivery, type ResendResult } from "../notifications/resend-delivery.js";
import { getOpenState, type OpenState } from "../tenants/business-hours.js";
import type { TenantResolver } from "../tenants/resolve-tenant.js";
import type { Tenant } from "../tenants/tenant-document.js";
import type { StoredTenant, TenantRepo } from "../tenants/tenant-repo.js";
import { createDashboardReader, type DashboardReader } from "./dashboard-reader.js";
import { createLiveFeed, type LiveFeed } from "./live-feed.js";
import { createSessionKeys, type Principal, type SessionKeys } from "./session.js";
import { createTenantEditor, type TenantEditor } from "./tenant-editor.js";

export interface CreateDashboardOptions {
  /** ADMIN_TOKEN: signs in the operator and keys every session. */
  adminToken: string;
  db: Kysely<Database>;
  tenants: TenantRepo;
  resolver: Pick<TenantResolver<unknown>, "publishChange">;
  clock: Clock;
  /** The job queue; when given, failed deliveries can be re-sent. */
  jobs?: JobQueue | undefined;
  /** Mark the session cookie Secure (when the dashboard is served over HTTPS). */
  secureCookies: boolean;
  /** Live view poll interval. Default 1000 ms. */
  liveIntervalMs?: number | undefined;
  onPublishError?: (tenantId: string, error: unknown) => void;
  onLiveError?: (error: unknown) => void;
}

export type ResendStatus = ResendResult["status"];

/** Everything the dashboard's routes use, built once per app. */
export interface Dashboard {
  readonly keys: SessionKeys;
  readonly reader: DashboardReader;
  readonly editor: TenantEditor;
  readonly live: LiveFeed;
  readonly secureCookies: boolean;
  findTenant(id: string): Promise<StoredTenant | undefined>;
  openState(tenant: Tenant): OpenState;
  /** Undefined when this server has no job queue (nothing to re-send with). */
  resendDelivery: ((tenantId: string, deliveryId: string) => Promise<ResendStatus>) | undefined;
  /** "Operator", or the tenant's name; undefined when that tenant no longer exists. */
  describePrincipal(principal: Principal): Promise<string | undefined>;
  close(): void;
}

export function createDashboard(options: CreateDashboardOptions): Dashboard {
  const admin = createTenantAdmin({
    tenants: options.tenants,
    resolver: options.resolver,
    clock: options.clock,
    ...(options.onPublishError === undefined ? {} : { onPublishError: options.onPublishError }),
  });
  const reader = createDashboardReader(options.db, options.clock);
  const jobs = options.jobs;
  const live = createLiveFeed({
    reader,
    ...(options.liveIntervalMs === undefined ? {} : { intervalMs: options.liveIntervalMs }),
    ...(options.onLiveError === undefined ? {} : { onError: options.onLiveError }),
  });
  return {
    keys: createSessionKeys({ adminToken: options.adminToken, clock: options.clock }),
    reader,
    editor: createTenantEditor({ admin, findStored: (id) => options.tenants.findById(id) }),
    live,
    secureCookies: options.secureCookies,
    findTenant: (id) => options.tenants.findById(id),
    openState: (tenant) => getOpenState(tenant, options.clock.now()),
    resendDelivery:
      jobs === undefined
        ? undefined
        : async (tenantId, deliveryId) =>
            (
              await resendDelivery(
                { db: options.db, jobs, tenants: options.tenants, clock: options.clock },
                tenantId,
                deliveryId,
              )
            ).status,
    async describePrincipal(principal) {
      if (principal.role === "admin") return "Operator";
      return (await options.tenants.findById(principal.tenantId))?.tenant.name;
    },
    close() {
      live.close();
    },
  };
}
