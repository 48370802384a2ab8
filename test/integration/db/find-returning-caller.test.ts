import type { KyselyPlugin } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createReturningCallerLookup,
  findReturningCaller,
} from "../../../src/calls/find-returning-caller.js";
import { createDatabase, type DatabaseHandle } from "../../../src/db/kysely.js";
import { migrateToLatest } from "../../../src/db/migrate.js";
import { createTenantRepo } from "../../../src/tenants/tenant-repo.js";
import { buildTenant } from "../../helpers/factories.js";
import {
  availableStores,
  createTestDatabase,
  type TestDatabase,
} from "../../helpers/test-database.js";

const stores = await availableStores();

describe.each(stores)("findReturningCaller on %s", (store) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  const mine = buildTenant();
  const other = buildTenant();

  beforeAll(async () => {
    database = createTestDatabase(store);
    const schema =
      database.postgresSchema === undefined ? {} : { postgresSchema: database.postgresSchema };
    handle = createDatabase({ url: database.url, ...schema });
    await migrateToLatest(handle, schema);
    await createTenantRepo(handle.db).upsertMany([mine, other], "2026-01-01T00:00:00.000Z");
  });
  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  const lead = (
    id: string,
    tenantId: string,
    caller: string,
    at: string,
    fields: { name?: string; service?: string; suburb?: string; notes?: string } = {},
  ) => ({
    id,
    tenant_id: tenantId,
    call_id: `call-of-${id}`,
    caller_number: caller,
    callback_number: caller,
    name: fields.name ?? null,
    service: fields.service ?? null,
    urgency: null,
    suburb: fields.suburb ?? null,
    notes: fields.notes ?? null,
    created_at: at,
    updated_at: at,
  });
  const call = (
    id: string,
    tenantId: string,
    caller: string,
    at: string,
    summary: string | null,
  ) => ({
    id,
    tenant_id: tenantId,
    caller_number: caller,
    summary,
    created_at: at,
    updated_at: at,
  });

  it("knows nothing of a first-time caller, nor of their contact with another tenant", async () => {
    await handle.db
      .insertInto("leads")
      .values(
        lead("l-other", other.id, "+61491570001", "2026-02-01T00:00:00.000Z", {
          name: "Elsewhere",
        }),
      )
      .execute();
    await handle.db
      .insertInto("calls")
      .values(call("c-other", other.id, "+61491570001", "2026-02-01T00:00:00.000Z", "other tenant"))
      .execute();
    expect(await findReturningCaller(handle.db, mine.id, "+61491570001", "now")).toBeUndefined();
  });

  it("takes the latest lead's name and enquiry, and the latest contact of either kind", async () => {
    const caller = "+61491570002";
    await handle.db
      .insertInto("leads")
      .values([
        lead("l-old", mine.id, caller, "2026-03-01T00:00:00.000Z", { name: "Old", service: "Gas" }),
        lead("l-new", mine.id, caller, "2026-03-05T00:00:00.000Z", {
          name: "Daniel",
          service: "Blocked drains",
          suburb: "Glebe",
          notes: "kitchen",
        }),
      ])
      .execute();
    await handle.db
      .insertInto("calls")
      .values(call("c-later", mine.id, caller, "2026-03-09T00:00:00.000Z", "asked about prices"))
      .execute();
    expect(await findReturningCaller(handle.db, mine.id, caller, "now")).toEqual({
      name: "Daniel",
      lastEnquiry: "Blocked drains, in Glebe, kitchen",
      lastContactAt: "2026-03-09T00:00:00.000Z",
    });
  });

  it("uses the latest earlier call when there is no lead, and never the current call", async () => {
    const caller = "+61491570003";
    await handle.db
      .insertInto("calls")
      .values([
        call("c-first", mine.id, caller, "2026-04-01T00:00:00.000Z", "first summary"),
        call("c-current", mine.id, caller, "2026-04-02T00:00:00.000Z", "the call in progress"),
      ])
      .execute();
    expect(await findReturningCaller(handle.db, mine.id, caller, "c-current")).toEqual({
      name: undefined,
      lastEnquiry: "first summary",
      lastContactAt: "2026-04-01T00:00:00.000Z",
    });
    expect(await findReturningCaller(handle.db, mine.id, caller, undefined)).toMatchObject({
      lastEnquiry: "the call in progress",
    });
  });

  it("runs one query for concurrent lookups of the same caller, and caches the answer", async () => {
    let queries = 0;
    const counter: KyselyPlugin = {
      transformQuery: (args) => args.node,
      // Called once per statement run (transformQuery also sees each subquery).
      transformResult: (args) => {
        queries += 1;
        return Promise.resolve(args.result);
      },
    };
    const lookup = createReturningCallerLookup(handle.db.withPlugin(counter));
    const answers = await Promise.all(
      ["a", "b", "c"].map(async (callId) => lookup(mine.id, "+61491570002", callId)),
    );
    expect(queries).toBe(1);
    expect(answers.map((answer) => answer?.name)).toEqual(["Daniel", "Daniel", "Daniel"]);
    expect(lookup(mine.id, "+61491570002", "d")).toMatchObject({ name: "Daniel" });
    expect(await lookup(other.id, "+61491570002", "e")).toBeUndefined();
    expect(queries).toBe(2);
  });
});
