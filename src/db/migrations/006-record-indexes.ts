import type { Kysely } from "kysely";

// Reading one call with everything attached (admin API, dashboard) and listing newest first
// across tenants must not scan whole tables.
const INDEXES: { name: string; table: string; columns: string[] }[] = [
  { name: "messages_tenant_call_idx", table: "messages", columns: ["tenant_id", "call_id"] },
  { name: "bookings_tenant_call_idx", table: "bookings", columns: ["tenant_id", "call_id"] },
  {
    name: "tool_invocations_tenant_call_idx",
    table: "tool_invocations",
    columns: ["tenant_id", "call_id"],
  },
  { name: "deliveries_tenant_call_idx", table: "deliveries", columns: ["tenant_id", "call_id"] },
  { name: "calls_created_at_idx", table: "calls", columns: ["created_at"] },
  { name: "leads_created_at_idx", table: "leads", columns: ["created_at"] },
  { name: "messages_created_at_idx", table: "messages", columns: ["created_at"] },
  { name: "bookings_created_at_idx", table: "bookings", columns: ["created_at"] },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const index of INDEXES) {
    await db.schema
      .createIndex(index.name)
      .ifNotExists()
      .on(index.table)
      .columns(index.columns)
      .execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of [...INDEXES].reverse()) {
    await db.schema.dropIndex(index.name).ifExists().execute();
  }
}
