import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type DatabaseHandle } from "../../../src/db/kysely.js";
import { prepareQuery } from "../../../src/db/prepared-query.js";
import {
  createPostgresTestDatabase,
  isPostgresAvailable,
  type TestDatabase,
} from "../../helpers/test-database.js";

const postgresUp = await isPostgresAvailable();

// Only these tests' own table is used; the schema type is the app's.
const findNote = prepareQuery((db, p: { id: string }) =>
  db
    .selectFrom("tenants" as never)
    .select(["id" as never, "body" as never])
    .where("id" as never, "=", p.id as never),
);
const findWholeNote = prepareQuery((db, p: { id: string }) =>
  db
    .selectFrom("tenants" as never)
    .selectAll()
    .where("id" as never, "=", p.id as never),
);

describe.runIf(postgresUp)("prepared queries on PostgreSQL", () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = createPostgresTestDatabase();
    // One connection: the statements it keeps are the ones these tests look at.
    const schema = database.postgresSchema ?? "public";
    handle = createDatabase({ url: database.url, postgresSchema: schema, poolSize: 1 });
    await sql.raw(`create schema if not exists "${schema}"`).execute(handle.db);
    await sql`create table tenants (id text primary key, body text)`.execute(handle.db);
    await sql`insert into tenants values ('a', 'first'), ('b', null)`.execute(handle.db);
  });
  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  const keptStatements = async () =>
    (
      await sql<{
        name: string;
        statement: string;
      }>`select name, statement from pg_prepared_statements`.execute(handle.db)
    ).rows;

  it("keeps a prepared query parsed on the connection and binds each call's values", async () => {
    expect(await findNote.executeTakeFirst(handle.db, { id: "a" })).toEqual({
      id: "a",
      body: "first",
    });
    expect(await findNote.executeTakeFirst(handle.db, { id: "b" })).toEqual({
      id: "b",
      body: null,
    });
    expect(await findNote.executeTakeFirst(handle.db, { id: "c" })).toBeUndefined();
    const kept = await keptStatements();
    expect(kept).toHaveLength(1);
    expect(kept[0]?.name).toMatch(/^frontdesk_\d+$/);
    expect(kept[0]?.statement).toContain('from "tenants"');
  });

  it("parses queries with `*` and any other SQL on each call, keeping nothing for them", async () => {
    expect(await findWholeNote.executeTakeFirst(handle.db, { id: "a" })).toEqual({
      id: "a",
      body: "first",
    });
    await handle.db
      .selectFrom("tenants" as never)
      .select("id" as never)
      .where("id" as never, "=", "a" as never)
      .execute();
    expect(await keptStatements()).toHaveLength(1);
  });

  it("still runs a kept statement after its table gains a column, and inside a transaction", async () => {
    await sql`alter table tenants add column extra text`.execute(handle.db);
    expect(await findNote.executeTakeFirst(handle.db, { id: "a" })).toEqual({
      id: "a",
      body: "first",
    });
    await handle.db.transaction().execute(async (trx) => {
      await sql`update tenants set body = 'changed' where id = 'a'`.execute(trx);
      expect(await findNote.executeTakeFirst(trx, { id: "a" })).toEqual({
        id: "a",
        body: "changed",
      });
    });
    expect(await findWholeNote.executeTakeFirst(handle.db, { id: "a" })).toMatchObject({
      extra: null,
    });
  });
});
