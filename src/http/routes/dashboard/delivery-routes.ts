import type { FastifyInstance } from "fastify";
import type { Dashboard, ResendStatus } from "../../../dashboard/create-dashboard.js";
import { OffsetQuerySchema } from "../../../dashboard/dashboard-queries.js";
import { DELIVERIES_PAGE_SIZE, deliveriesPage } from "../../../dashboard/views/deliveries-page.js";
import { AppError } from "../../../errors.js";
import { assertAdmin, redirect, scopeOf, sendPage, sessionOf } from "./dashboard-context.js";

export interface DeliveryRoutesOptions {
  dashboard: Dashboard;
}

const RESEND_MESSAGES: Record<ResendStatus, { tone: "success" | "warn" | "error"; text: string }> =
  {
    queued: {
      tone: "success",
      text: "Re-send queued: it goes to the tenant's current webhook URL.",
    },
    "not-found": { tone: "error", text: "That delivery no longer exists." },
    "not-failed": {
      tone: "warn",
      text: "That delivery is not failed any more (already re-sent or delivered).",
    },
    "not-configured": {
      tone: "warn",
      text: "The tenant has no webhook settings any more: there is nowhere to send it.",
    },
  };

/** GET /dashboard/deliveries (failed ones) and POST …/:tenantId/:deliveryId/resend. */
export async function deliveryRoutes(app: FastifyInstance, { dashboard }: DeliveryRoutesOptions) {
  app.get<{ Querystring: Record<string, unknown> }>("/deliveries", async (request, reply) => {
    assertAdmin(request);
    const { offset } = OffsetQuerySchema.parse(request.query);
    const outcome = request.query.resent;
    const flash =
      typeof outcome === "string" && Object.hasOwn(RESEND_MESSAGES, outcome)
        ? RESEND_MESSAGES[outcome as ResendStatus]
        : undefined;
    const page =
      dashboard.resendDelivery === undefined
        ? undefined
        : await dashboard.reader.listFailedDeliveries(
            scopeOf(request),
            offset,
            DELIVERIES_PAGE_SIZE,
          );
    return sendPage(reply, deliveriesPage(sessionOf(request).page, { page, offset, flash }));
  });

  app.post<{ Params: { tenantId: string; deliveryId: string } }>(
    "/deliveries/:tenantId/:deliveryId/resend",
    async (request, reply) => {
      assertAdmin(request);
      if (dashboard.resendDelivery === undefined) {
        throw new AppError("NOT_FOUND", "Notifications are not configured on this server.");
      }
      const status = await dashboard.resendDelivery(
        request.params.tenantId,
        request.params.deliveryId,
      );
      request.log.info({ ...request.params, status }, "delivery re-send from the dashboard");
      return redirect(reply, `/dashboard/deliveries?resent=${status}`);
    },
  );
}
