import type { FastifyInstance } from "fastify";
import type { RecordAdmin } from "../../../admin/records/create-record-admin.js";

export interface LeadRoutesOptions {
  records: RecordAdmin;
}

/** /leads: the leads callers left, newest first. */
export async function leadRoutes(app: FastifyInstance, { records }: LeadRoutesOptions) {
  app.get("/leads", async (request) => records.listLeads(request.query));
}
