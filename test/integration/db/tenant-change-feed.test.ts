import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type DatabaseHandle } from "../../../src/db/kysely.js";
import { migrateToLatest } from "../../../src/db/migrate.js";
import { createTenantChangeFeed } from "../../../src/tenants/tenant-change-feed.js";
import { createTenantRepo } from "../../../src/tenants/tenant-repo.js";
import { buildTenant } from "../../helpers/factories.js";
import {
  availableStores,
  createTestDatabase,
  type TestDatabase,
} from "../../helpers/test-database.js";

const stores = await availableStores();
const POLL_MS = 20;

describe.each(stores)("tenant change feed on %s", (store) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = createTestDatabase(store);
    const schema =
      database.postgresSchema === undefined ? {} : { postgresSchema: database.postgresSchema };
    handle = createDatabase({ url: database.url, ...schema });
    await migrateToLatest(handle, schema);
  });
  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  /** A feed for one process ("mine") with a clock the test moves, collecting what it reports. */
  function listen(now: { ms: number }) {
    const changed: string[] = [];
    const errors: unknown[] = [];
    let resyncs = 0;
    const feed = createTenantChangeFeed({
      db: handle.db,
      origin: "mine",
      clock: { now: () => now.ms },
      pollIntervalMs: POLL_MS,
      onError: (error) => errors.push(error),
    });
    const stop = feed.subscribe(
      (tenantId) => changed.push(tenantId),
      () => {
        resyncs += 1;
      },
    );
    return { changed, errors, resyncs: () => resyncs, stop };
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, POLL_MS * 5));

  it("reports other processes' changes once each, and not its own", async () => {
    const now = { ms: Date.now() };
    const iso = () => new Date(now.ms).toISOString();
    const listener = listen(now);
    const mine = createTenantRepo(handle.db, { origin: "mine" });
    const theirs = createTenantRepo(handle.db, { origin: "theirs" });
    const [a, b] = [buildTenant(), buildTenant()];
    await mine.upsertMany([a], iso());
    await theirs.upsertMany([b], iso());
    await theirs.update({ ...b, name: "Renamed" }, iso());
    await settle();
    await settle(); // read several times: each row is still reported once
    listener.stop();
    expect(listener.changed).toEqual([b.id, b.id]);
    expect(listener.resyncs()).toBe(0);
  });

  it("asks for a full reload after a change too large to list, and after it could not read", async () => {
    const now = { ms: Date.now() };
    const listener = listen(now);
    await settle();
    const theirs = createTenantRepo(handle.db, { origin: "theirs" });
    const bulk = Array.from({ length: 51 }, () => buildTenant());
    await theirs.upsertMany(bulk, new Date(now.ms).toISOString());
    await settle();
    expect(listener.resyncs()).toBe(1);
    // (Changes of the tests before this one are reported at start: they are inside the window.)
    expect(listener.changed.filter((id) => bulk.some((tenant) => tenant.id === id))).toEqual([]);

    await sql`alter table tenant_changes rename to tenant_changes_away`.execute(handle.db);
    await settle();
    expect(listener.errors.length).toBeGreaterThan(0);
    await sql`alter table tenant_changes_away rename to tenant_changes`.execute(handle.db);
    await settle();
    listener.stop();
    expect(listener.resyncs()).toBe(2);
  });

  it("deletes rows older than an hour, now and then", async () => {
    const now = { ms: Date.now() };
    const theirs = createTenantRepo(handle.db, { origin: "theirs" });
    const old = buildTenant();
    await theirs.upsertMany([old], new Date(now.ms - 2 * 60 * 60_000).toISOString());
    const count = async () =>
      (
        await handle.db
          .selectFrom("tenant_changes")
          .select("id")
          .where("tenant_id", "=", old.id)
          .execute()
      ).length;
    const listener = listen(now);
    await settle();
    expect(await count()).toBe(1);
    now.ms += 11 * 60_000;
    await settle();
    listener.stop();
    expect(await count()).toBe(0);
    expect(listener.changed).not.toContain(old.id);
  });
});
