import type { Kysely } from "kysely";

/*
 * Background work: the database-backed job queue, tenant webhook deliveries with their attempt
 * log, and a marker for calls whose content the retention job purged. Same conventions as
 * 001–004: text ids, ISO-8601 UTC text timestamps (they sort and compare as text), JSON as text.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("jobs")
    // The enqueuer's dedupe key: enqueueing the same id twice keeps the first job.
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("name", "text", (col) => col.notNull())
    .addColumn("payload", "text", (col) => col.notNull())
    .addColumn("status", "text", (col) => col.notNull())
    .addColumn("attempts", "integer", (col) => col.notNull().defaultTo(0))
    .addColumn("max_attempts", "integer", (col) => col.notNull())
    .addColumn("run_at", "text", (col) => col.notNull())
    .addColumn("locked_until", "text")
    .addColumn("locked_by", "text")
    .addColumn("last_error", "text")
    .addColumn("created_at", "text", (col) => col.notNull())
    .addColumn("updated_at", "text", (col) => col.notNull())
    .execute();
  // Workers look for due queued jobs and for running jobs whose lease ran out.
  await db.schema
    .createIndex("jobs_status_run_at_idx")
    .on("jobs")
    .columns(["status", "run_at"])
    .execute();
  await db.schema
    .createIndex("jobs_status_locked_until_idx")
    .on("jobs")
    .columns(["status", "locked_until"])
    .execute();

  await db.schema
    .createTable("deliveries")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("tenant_id", "text", (col) =>
      col.notNull().references("tenants.id").onDelete("cascade"),
    )
    .addColumn("subject_id", "text", (col) => col.notNull())
    .addColumn("call_id", "text")
    .addColumn("event_type", "text", (col) => col.notNull())
    .addColumn("url", "text", (col) => col.notNull())
    .addColumn("payload", "text", (col) => col.notNull())
    .addColumn("status", "text", (col) => col.notNull())
    .addColumn("attempts", "integer", (col) => col.notNull().defaultTo(0))
    .addColumn("last_status_code", "integer")
    .addColumn("last_error", "text")
    .addColumn("next_attempt_at", "text")
    .addColumn("created_at", "text", (col) => col.notNull())
    .addColumn("updated_at", "text", (col) => col.notNull())
    // One delivery per event: a job that runs again finds the delivery it created.
    .addUniqueConstraint("deliveries_tenant_event_subject_uq", [
      "tenant_id",
      "event_type",
      "subject_id",
    ])
    .execute();
  await db.schema
    .createIndex("deliveries_tenant_created_idx")
    .on("deliveries")
    .columns(["tenant_id", "created_at"])
    .execute();

  await db.schema
    .createTable("delivery_attempts")
    .addColumn("delivery_id", "text", (col) =>
      col.notNull().references("deliveries.id").onDelete("cascade"),
    )
    .addColumn("attempt", "integer", (col) => col.notNull())
    .addColumn("status_code", "integer")
    .addColumn("error", "text")
    .addColumn("duration_ms", "integer")
    .addColumn("at", "text", (col) => col.notNull())
    .addPrimaryKeyConstraint("delivery_attempts_pk", ["delivery_id", "attempt"])
    .execute();

  await db.schema.alterTable("calls").addColumn("content_purged_at", "text").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("calls").dropColumn("content_purged_at").execute();
  await db.schema.dropTable("delivery_attempts").execute();
  await db.schema.dropTable("deliveries").execute();
  await db.schema.dropTable("jobs").execute();
}
