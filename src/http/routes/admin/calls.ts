import type { FastifyInstance } from "fastify";
import type { RecordAdmin } from "../../../admin/records/create-record-admin.js";

export interface CallRoutesOptions {
  records: RecordAdmin;
}

/** /calls: a filtered, paged list, and one call with everything recorded about it. */
export async function callRoutes(app: FastifyInstance, { records }: CallRoutesOptions) {
  app.get("/calls", async (request) => records.listCalls(request.query));

  app.get<{ Params: { id: string } }>("/calls/:id", async (request) =>
    records.getCall(request.params.id, request.query),
  );
}
