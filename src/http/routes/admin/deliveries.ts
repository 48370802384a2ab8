import type { FastifyInstance } from "fastify";
import type { RecordAdmin } from "../../../admin/records/create-record-admin.js";

export interface DeliveryRoutesOptions {
  records: RecordAdmin;
}

interface ById {
  Params: { id: string };
}

/** /deliveries: tenant webhook deliveries, one with its attempt log, and re-sending a failed one. */
export async function deliveryRoutes(app: FastifyInstance, { records }: DeliveryRoutesOptions) {
  app.get("/deliveries", async (request) => records.listDeliveries(request.query));

  app.get<ById>("/deliveries/:id", async (request) =>
    records.getDelivery(request.params.id, request.query),
  );

  // 202: the delivery is queued again; its attempts happen in the background (poll the detail).
  app.post<ById>("/deliveries/:id/resend", async (request, reply) =>
    reply.status(202).send(await records.resendDelivery(request.params.id, request.query)),
  );
}
