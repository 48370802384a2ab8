import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Dashboard } from "../../../dashboard/create-dashboard.js";
import {
  OffsetQuerySchema,
  TenantSearchQuerySchema,
} from "../../../dashboard/dashboard-queries.js";
import { maskAllSecrets, readFormValues, toFormValues } from "../../../dashboard/tenant-editor.js";
import type { SafeHtml } from "../../../dashboard/html.js";
import { pager } from "../../../dashboard/views/components.js";
import {
  bookingsTable,
  leadsTable,
  messagesTable,
} from "../../../dashboard/views/record-tables.js";
import { tenantDocumentPage, tenantEditPage } from "../../../dashboard/views/tenant-edit-page.js";
import {
  TENANTS_PAGE_SIZE,
  tenantOverviewPage,
  tenantRecordsPage,
  tenantsListPage,
} from "../../../dashboard/views/tenant-pages.js";
import { AppError } from "../../../errors.js";
import {
  assertAdmin,
  assertCanSeeTenant,
  formOf,
  redirect,
  sendPage,
  sessionOf,
} from "./dashboard-context.js";

export interface TenantRoutesOptions {
  dashboard: Dashboard;
}

interface ById {
  Params: { id: string };
  Querystring: Record<string, unknown>;
}

const RECORDS_PAGE_SIZE = 50;
const TOKEN_TTL_DAYS = new Set([7, 30, 90, 365]);

/** Tenant list, tenant page, editing, and each tenant's leads, bookings and messages. */
export async function tenantRoutes(app: FastifyInstance, { dashboard }: TenantRoutesOptions) {
  async function load(request: FastifyRequest<ById>) {
    assertCanSeeTenant(request, request.params.id);
    const stored = await dashboard.findTenant(request.params.id);
    if (stored === undefined) throw new AppError("NOT_FOUND", `no tenant "${request.params.id}"`);
    return stored;
  }

  app.get<{ Querystring: Record<string, unknown> }>("/tenants", async (request, reply) => {
    assertAdmin(request);
    const { q, offset } = TenantSearchQuerySchema.parse(request.query);
    const page = await dashboard.reader.searchTenants({ q, offset, limit: TENANTS_PAGE_SIZE });
    return sendPage(reply, tenantsListPage(sessionOf(request).page, { q, offset, page }));
  });

  app.get<ById>("/tenants/:id", async (request, reply) => {
    const stored = await load(request);
    return sendPage(
      reply,
      tenantOverviewPage(sessionOf(request).page, {
        tenant: maskAllSecrets(stored.tenant),
        version: stored.version,
        updatedAt: stored.updatedAt,
        openState: dashboard.openState(stored.tenant),
        flash:
          request.query.saved === "1"
            ? { tone: "success", text: `Saved as version ${stored.version}. New calls use it now.` }
            : undefined,
      }),
    );
  });

  app.post<ById>("/tenants/:id/access-tokens", async (request, reply) => {
    assertAdmin(request);
    const stored = await load(request);
    const days = Number(formOf(request).get("ttlDays"));
    const issued = dashboard.keys.issueTenantToken(
      stored.tenant.id,
      TOKEN_TTL_DAYS.has(days) ? days : 30,
    );
    request.log.info(
      { tenantId: stored.tenant.id, expiresAt: issued.expiresAt },
      "tenant access token issued",
    );
    return sendPage(
      reply,
      tenantOverviewPage(sessionOf(request).page, {
        tenant: maskAllSecrets(stored.tenant),
        version: stored.version,
        updatedAt: stored.updatedAt,
        openState: dashboard.openState(stored.tenant),
        issuedToken: issued,
      }),
    );
  });

  app.get<ById>("/tenants/:id/edit", async (request, reply) => {
    assertAdmin(request);
    const stored = await load(request);
    return sendPage(
      reply,
      tenantEditPage(sessionOf(request).page, {
        tenant: stored.tenant,
        version: stored.version,
        values: toFormValues(stored.tenant),
      }),
    );
  });

  app.post<ById>("/tenants/:id/edit", async (request, reply) => {
    assertAdmin(request);
    const stored = await load(request);
    const form = formOf(request);
    const values = readFormValues(form, toFormValues(stored.tenant));
    const version = Number(form.get("version"));
    const result = await dashboard.editor.saveForm(stored.tenant.id, version, values);
    const page = sessionOf(request).page;
    switch (result.status) {
      case "saved":
        request.log.info(
          { tenantId: stored.tenant.id, version: result.version },
          "tenant saved from the dashboard",
        );
        return redirect(
          reply,
          `/dashboard/tenants/${encodeURIComponent(stored.tenant.id)}?saved=1`,
        );
      case "invalid":
        return sendPage(
          reply,
          tenantEditPage(page, { tenant: stored.tenant, version, values, errors: result.errors }),
          400,
        );
      case "conflict":
        return sendPage(
          reply,
          tenantEditPage(page, {
            tenant: stored.tenant,
            version,
            values,
            conflict: result.message,
          }),
          409,
        );
      case "not-found":
        throw new AppError("NOT_FOUND", `no tenant "${stored.tenant.id}"`);
    }
  });

  app.get<ById>("/tenants/:id/document", async (request, reply) => {
    assertAdmin(request);
    const stored = await load(request);
    return sendPage(
      reply,
      tenantDocumentPage(sessionOf(request).page, {
        tenant: stored.tenant,
        version: stored.version,
        yaml: dashboard.editor.documentYaml(stored.tenant),
      }),
    );
  });

  app.post<ById>("/tenants/:id/document", async (request, reply) => {
    assertAdmin(request);
    const stored = await load(request);
    const form = formOf(request);
    const yaml = form.get("document") ?? "";
    const version = Number(form.get("version"));
    const result = await dashboard.editor.saveYaml(stored.tenant.id, version, yaml);
    const page = sessionOf(request).page;
    switch (result.status) {
      case "saved":
        request.log.info(
          { tenantId: stored.tenant.id, version: result.version },
          "tenant document saved from the dashboard",
        );
        return redirect(
          reply,
          `/dashboard/tenants/${encodeURIComponent(stored.tenant.id)}?saved=1`,
        );
      case "invalid":
        return sendPage(
          reply,
          tenantDocumentPage(page, {
            tenant: stored.tenant,
            version,
            yaml,
            errors: result.errors.general,
          }),
          400,
        );
      case "conflict":
        return sendPage(
          reply,
          tenantDocumentPage(page, {
            tenant: stored.tenant,
            version,
            yaml,
            conflict: result.message,
          }),
          409,
        );
      case "not-found":
        throw new AppError("NOT_FOUND", `no tenant "${stored.tenant.id}"`);
    }
  });

  async function recordsPage(
    request: FastifyRequest<ById>,
    tab: "leads" | "bookings" | "messages",
    title: string,
    render: (
      tenantId: string,
      offset: number,
    ) => Promise<{ table: SafeHtml; nextOffset: number | undefined }>,
  ) {
    const stored = await load(request);
    const { offset } = OffsetQuerySchema.parse(request.query);
    const { table, nextOffset } = await render(stored.tenant.id, offset);
    const path = `/dashboard/tenants/${encodeURIComponent(stored.tenant.id)}/${tab}`;
    return tenantRecordsPage(sessionOf(request).page, {
      tenant: stored.tenant,
      tab,
      title,
      table,
      pager: pager(path, {}, offset, nextOffset, RECORDS_PAGE_SIZE),
    });
  }

  app.get<ById>("/tenants/:id/leads", async (request, reply) =>
    sendPage(
      reply,
      await recordsPage(request, "leads", "Leads", async (id, offset) => {
        const page = await dashboard.reader.listLeads(id, offset, RECORDS_PAGE_SIZE);
        return { table: leadsTable(page.items), nextOffset: page.nextOffset };
      }),
    ),
  );
  app.get<ById>("/tenants/:id/bookings", async (request, reply) =>
    sendPage(
      reply,
      await recordsPage(request, "bookings", "Bookings", async (id, offset) => {
        const page = await dashboard.reader.listBookings(id, offset, RECORDS_PAGE_SIZE);
        return { table: bookingsTable(page.items), nextOffset: page.nextOffset };
      }),
    ),
  );
  app.get<ById>("/tenants/:id/messages", async (request, reply) =>
    sendPage(
      reply,
      await recordsPage(request, "messages", "Messages", async (id, offset) => {
        const page = await dashboard.reader.listMessages(id, offset, RECORDS_PAGE_SIZE);
        return { table: messagesTable(page.items), nextOffset: page.nextOffset };
      }),
    ),
  );
}
