import type { FastifyInstance } from "fastify";
import type { RecordAdmin } from "../../../admin/records/create-record-admin.js";

export interface BookingRoutesOptions {
  records: RecordAdmin;
}

/** /bookings: appointments booked during calls, newest first. */
export async function bookingRoutes(app: FastifyInstance, { records }: BookingRoutesOptions) {
  app.get("/bookings", async (request) => records.listBookings(request.query));
}
