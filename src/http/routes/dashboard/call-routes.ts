import type { FastifyInstance } from "fastify";
import type { Dashboard } from "../../../dashboard/create-dashboard.js";
import { CallListQuerySchema } from "../../../dashboard/dashboard-queries.js";
import { callListPage } from "../../../dashboard/views/call-list-page.js";
import { callPage } from "../../../dashboard/views/call-page.js";
import { AppError } from "../../../errors.js";
import { scopeOf, sendPage, sessionOf } from "./dashboard-context.js";

export interface CallRoutesOptions {
  dashboard: Dashboard;
}

// The tenant filter lists every tenant by name; past this many, filter by id from a tenant page.
const TENANT_FILTER_LIMIT = 500;

/** GET /dashboard/calls (filters, newest first) and GET /dashboard/calls/:id. */
export async function callRoutes(app: FastifyInstance, { dashboard }: CallRoutesOptions) {
  app.get<{ Querystring: Record<string, unknown> }>("/calls", async (request, reply) => {
    const query = CallListQuerySchema.parse(request.query);
    const scope = scopeOf(request);
    // A tenant session always sees its own calls, whatever the query says.
    const tenantId = scope.tenantId ?? query.tenant;
    const tenantStored = tenantId === undefined ? undefined : await dashboard.findTenant(tenantId);
    const [page, endedReasons, tenants] = await Promise.all([
      dashboard.reader.listCalls({
        tenantId,
        status: query.status,
        endedReason: query.endedReason,
        from: query.from,
        to: query.to,
        before: query.before,
      }),
      dashboard.reader.endedReasons({ tenantId }),
      scope.tenantId === undefined
        ? dashboard.reader.searchTenants({ q: "", offset: 0, limit: TENANT_FILTER_LIMIT })
        : undefined,
    ]);
    return sendPage(
      reply,
      callListPage(sessionOf(request).page, {
        filter: {
          tenant: tenantId,
          status: query.status,
          endedReason: query.endedReason,
          from: query.from,
          to: query.to,
        },
        page,
        tenants: tenants?.items ?? [],
        endedReasons,
        tenant:
          tenantStored === undefined
            ? undefined
            : { id: tenantStored.tenant.id, name: tenantStored.tenant.name },
        before: query.before,
      }),
    );
  });

  app.get<{ Params: { id: string } }>("/calls/:id", async (request, reply) => {
    const detail = await dashboard.reader.findCall(scopeOf(request), request.params.id);
    if (detail === undefined) throw new AppError("NOT_FOUND", `no call "${request.params.id}"`);
    return sendPage(reply, callPage(sessionOf(request).page, detail));
  });
}
