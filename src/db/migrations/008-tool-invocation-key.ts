import { PostgresAdapter, sql, type Kysely } from "kysely";

/*
 * Tool invocations keyed by (tenant, call, tool call id) instead of (tenant, tool call id) plus
 * a separate (tenant_id, call_id) index: one B-tree then serves both the idempotency claim and
 * reading a call's invocations. Both keys start with a random id, so each tool call dirtied a
 * page of each; on SQLite that second page was the largest single cost of a tool call's write
 * (ADR 0010, addendum 3). A retried tool call comes in the same call, so it still finds its
 * first answer. `call_id` becomes NOT NULL, with '' for a tool call that came without a call id
 * (a key column must not be NULL: NULLs never conflict, which would defeat the claim).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`update tool_invocations set call_id = '' where call_id is null`.execute(db);
    await sql`alter table tool_invocations alter column call_id set default ''`.execute(db);
    await sql`alter table tool_invocations alter column call_id set not null`.execute(db);
    await sql`alter table tool_invocations drop constraint tool_invocations_pk`.execute(db);
    await sql`alter table tool_invocations add constraint tool_invocations_pk primary key (tenant_id, call_id, tool_call_id)`.execute(
      db,
    );
    await sql`drop index if exists tool_invocations_tenant_call_idx`.execute(db);
    return;
  }
  // SQLite cannot change a table's primary key: build the new table, move the rows, swap.
  await createTable(db, "tool_invocations_rekeyed", ["tenant_id", "call_id", "tool_call_id"]);
  await sql`insert into tool_invocations_rekeyed
    (tenant_id, tool_call_id, call_id, tool_name, arguments, outcome, result, created_at)
    select tenant_id, tool_call_id, coalesce(call_id, ''), tool_name, arguments, outcome, result, created_at
    from tool_invocations`.execute(db);
  // Its (tenant_id, call_id) index goes with it.
  await sql`drop table tool_invocations`.execute(db);
  await sql`alter table tool_invocations_rekeyed rename to tool_invocations`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table tool_invocations drop constraint tool_invocations_pk`.execute(db);
    await sql`alter table tool_invocations alter column call_id drop not null`.execute(db);
    await sql`alter table tool_invocations alter column call_id drop default`.execute(db);
    await sql`update tool_invocations set call_id = null where call_id = ''`.execute(db);
    await sql`alter table tool_invocations add constraint tool_invocations_pk primary key (tenant_id, tool_call_id)`.execute(
      db,
    );
  } else {
    await createTable(db, "tool_invocations_keyed_by_id", ["tenant_id", "tool_call_id"]);
    // Two calls may have used one tool call id; the earliest row keeps the id, as before.
    await sql`insert or ignore into tool_invocations_keyed_by_id
      (tenant_id, tool_call_id, call_id, tool_name, arguments, outcome, result, created_at)
      select tenant_id, tool_call_id, nullif(call_id, ''), tool_name, arguments, outcome, result, created_at
      from tool_invocations order by created_at`.execute(db);
    await sql`drop table tool_invocations`.execute(db);
    await sql`alter table tool_invocations_keyed_by_id rename to tool_invocations`.execute(db);
  }
  await db.schema
    .createIndex("tool_invocations_tenant_call_idx")
    .on("tool_invocations")
    .columns(["tenant_id", "call_id"])
    .execute();
}

type KeyColumn = "tenant_id" | "call_id" | "tool_call_id";

/** The SQLite table as 003 made it, except for its key (and call_id, which a key makes NOT NULL). */
async function createTable(db: Kysely<unknown>, name: string, key: KeyColumn[]): Promise<void> {
  const callIdInKey = key.includes("call_id");
  await db.schema
    .createTable(name)
    .addColumn("tenant_id", "text", (col) =>
      col.notNull().references("tenants.id").onDelete("cascade"),
    )
    .addColumn("tool_call_id", "text", (col) => col.notNull())
    .addColumn("call_id", "text", (col) => (callIdInKey ? col.notNull().defaultTo("") : col))
    .addColumn("tool_name", "text", (col) => col.notNull())
    .addColumn("arguments", "text", (col) => col.notNull())
    .addColumn("outcome", "text", (col) => col.notNull())
    .addColumn("result", "text", (col) => col.notNull())
    .addColumn("created_at", "text", (col) => col.notNull())
    .addPrimaryKeyConstraint("tool_invocations_pk", key)
    .execute();
}
