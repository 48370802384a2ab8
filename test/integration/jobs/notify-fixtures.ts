import { randomBytes } from "node:crypto";
import type { DeliveryAttemptRow, DeliveryRow, JobRow } from "../../../src/db/schema.js";
import type { TestServer } from "../../helpers/start-server.js";

/** A fresh Standard Webhooks secret: "whsec_" + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** Every delivery of a tenant, oldest first (reads the database directly). */
export async function readDeliveries(server: TestServer, tenantId: string): Promise<DeliveryRow[]> {
  return server.deps.db
    .selectFrom("deliveries")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("created_at")
    .execute();
}

export async function readAttempts(
  server: TestServer,
  deliveryId: string,
): Promise<DeliveryAttemptRow[]> {
  return server.deps.db
    .selectFrom("delivery_attempts")
    .selectAll()
    .where("delivery_id", "=", deliveryId)
    .orderBy("attempt")
    .execute();
}

/** The database queue's row for a job id (undefined with BullMQ, which keeps jobs in Redis). */
export async function readJob(server: TestServer, jobId: string): Promise<JobRow | undefined> {
  return server.deps.db.selectFrom("jobs").selectAll().where("id", "=", jobId).executeTakeFirst();
}

/** Environment for fast retries in tests: 4 attempts, 50 ms doubling, frequent polls. */
export const FAST_JOBS_ENV = {
  JOB_MAX_ATTEMPTS: "4",
  JOB_BACKOFF_BASE_MS: "50",
  JOB_BACKOFF_MAX_MS: "400",
  JOB_POLL_INTERVAL_MS: "25",
  NOTIFY_TIMEOUT_MS: "500",
} as const;
