import type { Kysely } from "kysely";

// The assistant-request path looks up earlier calls and leads of the same caller, per tenant.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex("calls_tenant_caller_idx")
    .on("calls")
    .columns(["tenant_id", "caller_number", "created_at"])
    .execute();
  await db.schema
    .createIndex("leads_tenant_caller_idx")
    .on("leads")
    .columns(["tenant_id", "caller_number", "updated_at"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("leads_tenant_caller_idx").execute();
  await db.schema.dropIndex("calls_tenant_caller_idx").execute();
}
