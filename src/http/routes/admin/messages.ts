import type { FastifyInstance } from "fastify";
import type { RecordAdmin } from "../../../admin/records/create-record-admin.js";

export interface MessageRoutesOptions {
  records: RecordAdmin;
}

/** /messages: messages callers left (take_message), newest first. */
export async function messageRoutes(app: FastifyInstance, { records }: MessageRoutesOptions) {
  app.get("/messages", async (request) => records.listMessages(request.query));
}
