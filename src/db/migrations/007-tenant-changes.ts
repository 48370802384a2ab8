import type { Kysely } from "kysely";

// One row per committed tenant change, written in the changing transaction, so that every
// process on the database (workers, other instances, a server while the CLI imports) learns of
// it without Redis. Kept an hour; processes read only the last minute.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("tenant_changes")
    .ifNotExists()
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("tenant_id", "text", (col) => col.notNull())
    .addColumn("origin", "text", (col) => col.notNull())
    .addColumn("changed_at", "text", (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex("tenant_changes_changed_at_idx")
    .ifNotExists()
    .on("tenant_changes")
    .column("changed_at")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("tenant_changes").ifExists().execute();
}
