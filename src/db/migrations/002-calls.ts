import type { Kysely } from "kysely";

/*
 * Durable call records built from Vapi's informational messages (status-update,
 * end-of-call-report). Same DDL on SQLite and PostgreSQL: timestamps are ISO-8601 text, JSON
 * documents are text, money and durations are double precision (REAL affinity on SQLite; on
 * PostgreSQL `real` would be single precision and round costs).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("calls")
    // Vapi's call id: globally unique, and the idempotency key of every call message.
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("tenant_id", "text", (col) =>
      col.notNull().references("tenants.id").onDelete("cascade"),
    )
    .addColumn("caller_number", "text")
    .addColumn("vapi_phone_number_id", "text")
    .addColumn("dialed_number", "text")
    // Highest lifecycle status seen (scheduled < … < ended); null until one arrives.
    .addColumn("status", "text")
    .addColumn("ended_reason", "text")
    .addColumn("started_at", "text")
    .addColumn("ended_at", "text")
    .addColumn("duration_seconds", "double precision")
    .addColumn("cost", "double precision")
    .addColumn("cost_breakdown", "text")
    .addColumn("summary", "text")
    .addColumn("structured_data", "text")
    .addColumn("success_evaluation", "text")
    .addColumn("transcript", "text")
    .addColumn("messages", "text")
    .addColumn("recording_url", "text")
    .addColumn("stereo_recording_url", "text")
    .addColumn("report", "text")
    .addColumn("report_received_at", "text")
    .addColumn("created_at", "text", (col) => col.notNull())
    .addColumn("updated_at", "text", (col) => col.notNull())
    .execute();

  // Call logs are listed per tenant, newest first.
  await db.schema
    .createIndex("calls_tenant_id_created_at_idx")
    .on("calls")
    .columns(["tenant_id", "created_at"])
    .execute();

  await db.schema
    .createTable("call_status_events")
    .addColumn("call_id", "text", (col) => col.notNull().references("calls.id").onDelete("cascade"))
    .addColumn("tenant_id", "text", (col) =>
      col.notNull().references("tenants.id").onDelete("cascade"),
    )
    .addColumn("status", "text", (col) => col.notNull())
    .addColumn("ended_reason", "text")
    .addColumn("occurred_at", "text", (col) => col.notNull())
    .addColumn("received_at", "text", (col) => col.notNull())
    // One row per (call, status): a retried or duplicated status-update is a no-op.
    .addPrimaryKeyConstraint("call_status_events_pkey", ["call_id", "status"])
    .execute();

  await db.schema
    .createIndex("call_status_events_tenant_id_idx")
    .on("call_status_events")
    .column("tenant_id")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("call_status_events").execute();
  await db.schema.dropTable("calls").execute();
}
