import { Migrator, sql, type Kysely, type MigrationProvider } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type DatabaseHandle } from "../../../src/db/kysely.js";
import { migrateToLatest } from "../../../src/db/migrate.js";
import { MIGRATIONS } from "../../../src/db/migrations/index.js";
import type { Database } from "../../../src/db/schema.js";
import { createTenantRepo } from "../../../src/tenants/tenant-repo.js";
import { buildTenant } from "../../helpers/factories.js";
import {
  availableStores,
  createTestDatabase,
  type TestDatabase,
} from "../../helpers/test-database.js";

const stores = await availableStores();
const BEFORE = "007-tenant-changes";

const provider: MigrationProvider = { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) };

describe.each(stores)("migration 008 (tool invocations keyed by call) on %s", (store) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let migrator: Migrator;
  const tenant = buildTenant();

  const invocation = (toolCallId: string, callId: string | null) => ({
    tenant_id: tenant.id,
    tool_call_id: toolCallId,
    call_id: callId,
    tool_name: "create_lead",
    arguments: "{}",
    outcome: "ok",
    result: `answer of ${toolCallId}`,
    created_at: "2026-01-01T00:00:00.000Z",
  });

  // The table as migration 003 made it: call_id may be NULL.
  const legacy = () => handle.db as unknown as Kysely<Record<string, Record<string, unknown>>>;

  beforeAll(async () => {
    database = createTestDatabase(store);
    const schema =
      database.postgresSchema === undefined ? {} : { postgresSchema: database.postgresSchema };
    handle = createDatabase({ url: database.url, ...schema });
    if (database.postgresSchema !== undefined) {
      await sql`create schema if not exists ${sql.id(database.postgresSchema)}`.execute(handle.db);
    }
    migrator = new Migrator({
      db: handle.db,
      provider,
      ...(database.postgresSchema === undefined
        ? {}
        : { migrationTableSchema: database.postgresSchema }),
    });
    const before = await migrator.migrateTo(BEFORE);
    expect(before.error).toBeUndefined();
    await createTenantRepo(handle.db).upsertMany([tenant], "2026-01-01T00:00:00.000Z");
    await legacy()
      .insertInto("tool_invocations")
      .values([
        invocation("tc-1", "call-a"),
        invocation("tc-2", null),
        invocation("tc-3", "call-a"),
      ])
      .execute();
    await migrateToLatest(handle, schema);
  });
  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  const rows = (db: Kysely<Database>) =>
    db
      .selectFrom("tool_invocations")
      .select(["tool_call_id", "call_id", "result"])
      .orderBy("tool_call_id")
      .execute();

  const indexNames = async (): Promise<string[]> => {
    if (store === "postgres") {
      const result = await sql<{ indexname: string }>`select indexname from pg_indexes
        where tablename = 'tool_invocations' and schemaname = ${database.postgresSchema}`.execute(
        handle.db,
      );
      return result.rows.map((row) => row.indexname);
    }
    const result = await sql<{
      name: string;
    }>`select name from pragma_index_list('tool_invocations')`.execute(handle.db);
    return result.rows.map((row) => row.name);
  };

  it("keeps every row, with '' for a missing call id, and drops the separate call index", async () => {
    expect(await rows(handle.db)).toEqual([
      { tool_call_id: "tc-1", call_id: "call-a", result: "answer of tc-1" },
      { tool_call_id: "tc-2", call_id: "", result: "answer of tc-2" },
      { tool_call_id: "tc-3", call_id: "call-a", result: "answer of tc-3" },
    ]);
    expect(await indexNames()).not.toContain("tool_invocations_tenant_call_idx");
  });

  it("rejects a second row for the same tenant, call and tool call id, not for another call", async () => {
    await expect(
      handle.db
        .insertInto("tool_invocations")
        .values({ ...invocation("tc-1", "call-a"), call_id: "call-a", outcome: "ok" as const })
        .execute(),
    ).rejects.toThrow();
    await handle.db
      .insertInto("tool_invocations")
      .values({ ...invocation("tc-1", "call-b"), call_id: "call-b", outcome: "ok" as const })
      .execute();
    const ofCallB = await handle.db
      .selectFrom("tool_invocations")
      .select("result")
      .where("tenant_id", "=", tenant.id)
      .where("call_id", "=", "call-b")
      .execute();
    expect(ofCallB).toEqual([{ result: "answer of tc-1" }]);
  });

  it("serves reading a call's invocations with its key", async () => {
    if (store === "postgres") {
      const result = await sql<{ indexdef: string }>`select indexdef from pg_indexes
        where indexname = 'tool_invocations_pk' and schemaname = ${database.postgresSchema}`.execute(
        handle.db,
      );
      expect(result.rows[0]?.indexdef).toMatch(/\(tenant_id, call_id, tool_call_id\)$/);
      return;
    }
    const plan = await sql<{ detail: string }>`explain query plan
      select * from tool_invocations where tenant_id = ${tenant.id} and call_id = ${"call-a"}`.execute(
      handle.db,
    );
    expect(plan.rows.map((row) => row.detail).join("\n")).toMatch(
      /USING INDEX sqlite_autoindex_tool_invocations\w* \(tenant_id=\? AND call_id=\?\)/,
    );
  });

  it("goes back down: NULL call ids and the call index again", async () => {
    await handle.db.deleteFrom("tool_invocations").where("call_id", "=", "call-b").execute();
    const down = await migrator.migrateTo(BEFORE);
    expect(down.error).toBeUndefined();
    const back = await legacy()
      .selectFrom("tool_invocations")
      .select(["tool_call_id", "call_id"])
      .orderBy("tool_call_id")
      .execute();
    expect(back).toEqual([
      { tool_call_id: "tc-1", call_id: "call-a" },
      { tool_call_id: "tc-2", call_id: null },
      { tool_call_id: "tc-3", call_id: "call-a" },
    ]);
    expect(await indexNames()).toContain("tool_invocations_tenant_call_idx");
    const up = await migrator.migrateToLatest();
    expect(up.error).toBeUndefined();
  });
});
