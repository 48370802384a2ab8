import type { Kysely } from "kysely";

/*
 * Tables the assistant's tools write to. Same conventions as 001: text ids, ISO-8601 UTC text
 * timestamps and JSON as text, so SQLite and PostgreSQL return identical values. Every table is
 * tenant-scoped and goes with its tenant (on delete cascade).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("leads")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("tenant_id", "text", (col) =>
      col.notNull().references("tenants.id").onDelete("cascade"),
    )
    .addColumn("call_id", "text")
    .addColumn("caller_number", "text")
    .addColumn("callback_number", "text")
    .addColumn("name", "text")
    .addColumn("service", "text")
    .addColumn("urgency", "text")
    .addColumn("suburb", "text")
    .addColumn("notes", "text")
    .addColumn("created_at", "text", (col) => col.notNull())
    .addColumn("updated_at", "text", (col) => col.notNull())
    .execute();
  // One lead per call: a repeated create_lead in the same call upserts on this key. Leads
  // without a call id (NULL) never collide, on both dialects.
  await db.schema
    .createIndex("leads_tenant_call_uq")
    .on("leads")
    .columns(["tenant_id", "call_id"])
    .unique()
    .execute();
  await db.schema
    .createIndex("leads_tenant_created_idx")
    .on("leads")
    .columns(["tenant_id", "created_at"])
    .execute();

  await db.schema
    .createTable("messages")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("tenant_id", "text", (col) =>
      col.notNull().references("tenants.id").onDelete("cascade"),
    )
    .addColumn("call_id", "text")
    .addColumn("caller_number", "text")
    .addColumn("callback_number", "text")
    .addColumn("name", "text")
    .addColumn("message", "text", (col) => col.notNull())
    .addColumn("created_at", "text", (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex("messages_tenant_created_idx")
    .on("messages")
    .columns(["tenant_id", "created_at"])
    .execute();

  await db.schema
    .createTable("bookings")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("tenant_id", "text", (col) =>
      col.notNull().references("tenants.id").onDelete("cascade"),
    )
    .addColumn("slot_start", "text", (col) => col.notNull())
    .addColumn("slot_end", "text", (col) => col.notNull())
    .addColumn("name", "text")
    .addColumn("phone", "text")
    .addColumn("service", "text")
    .addColumn("notes", "text")
    .addColumn("call_id", "text")
    .addColumn("status", "text", (col) => col.notNull().defaultTo("confirmed"))
    .addColumn("created_at", "text", (col) => col.notNull())
    // The database, not a check-then-write, prevents two bookings of one slot.
    .addUniqueConstraint("bookings_tenant_slot_uq", ["tenant_id", "slot_start"])
    .execute();

  await db.schema
    .createTable("tool_invocations")
    .addColumn("tenant_id", "text", (col) =>
      col.notNull().references("tenants.id").onDelete("cascade"),
    )
    .addColumn("tool_call_id", "text", (col) => col.notNull())
    .addColumn("call_id", "text")
    .addColumn("tool_name", "text", (col) => col.notNull())
    .addColumn("arguments", "text", (col) => col.notNull())
    .addColumn("outcome", "text", (col) => col.notNull())
    .addColumn("result", "text", (col) => col.notNull())
    .addColumn("created_at", "text", (col) => col.notNull())
    // A retried tool call id finds its first answer here.
    .addPrimaryKeyConstraint("tool_invocations_pk", ["tenant_id", "tool_call_id"])
    .execute();

  await db.schema
    .createTable("transfers")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("tenant_id", "text", (col) =>
      col.notNull().references("tenants.id").onDelete("cascade"),
    )
    .addColumn("call_id", "text")
    .addColumn("destination_number", "text", (col) => col.notNull())
    .addColumn("kind", "text", (col) => col.notNull())
    .addColumn("reason", "text")
    .addColumn("created_at", "text", (col) => col.notNull())
    // Vapi may ask again for the same call; one row per call and destination.
    .addUniqueConstraint("transfers_tenant_call_destination_uq", [
      "tenant_id",
      "call_id",
      "destination_number",
    ])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("transfers").execute();
  await db.schema.dropTable("tool_invocations").execute();
  await db.schema.dropTable("bookings").execute();
  await db.schema.dropTable("messages").execute();
  await db.schema.dropTable("leads").execute();
}
