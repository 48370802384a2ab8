import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type DatabaseHandle } from "../../../src/db/kysely.js";
import { prepareQuery } from "../../../src/db/prepared-query.js";

// Only these tests' own table is used; the schema type is the app's.
const insertNote = prepareQuery((db, p: { id: string; body: string | null }) =>
  db
    .insertInto("tenants" as never)
    .values({ id: p.id, body: p.body } as never)
    .returning(["id" as never]),
);
const findNote = prepareQuery((db, p: { id: string }) =>
  db
    .selectFrom("tenants" as never)
    .select(["id" as never, "body" as never])
    .where("id" as never, "=", p.id as never),
);

describe("prepareQuery (SQLite)", () => {
  let handle: DatabaseHandle;

  beforeAll(async () => {
    handle = createDatabase({ url: ":memory:" });
    await sql`create table tenants (id text primary key, body text)`.execute(handle.db);
  });
  afterAll(async () => handle.close());

  it("binds each call's values into the once-compiled query", async () => {
    await insertNote.execute(handle.db, { id: "a", body: "first" });
    await insertNote.execute(handle.db, { id: "b", body: null });
    expect(await findNote.executeTakeFirst(handle.db, { id: "a" })).toEqual({
      id: "a",
      body: "first",
    });
    expect(await findNote.executeTakeFirst(handle.db, { id: "b" })).toEqual({
      id: "b",
      body: null,
    });
    expect(await findNote.executeTakeFirst(handle.db, { id: "c" })).toBeUndefined();
  });

  it("runs inside a transaction and rolls back with it", async () => {
    await expect(
      handle.db.transaction().execute(async (trx) => {
        await insertNote.execute(trx, { id: "t", body: "in a transaction" });
        expect(await findNote.executeTakeFirst(trx, { id: "t" })).toBeDefined();
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await findNote.executeTakeFirst(handle.db, { id: "t" })).toBeUndefined();
  });

  it("hands the connection to waiting queries in arrival order", async () => {
    const order: string[] = [];
    let release = () => {};
    const held = handle.db.transaction().execute(async (trx) => {
      await insertNote.execute(trx, { id: "held", body: null });
      await new Promise<void>((resolve) => (release = resolve));
    });
    // Queued while the transaction holds the connection.
    const waiting = ["w1", "w2", "w3"].map(async (id) => {
      await insertNote.execute(handle.db, { id, body: null });
      order.push(id);
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual([]);
    release();
    await Promise.all([held, ...waiting]);
    expect(order).toEqual(["w1", "w2", "w3"]);
  });

  it("streams select queries, and runs the same SQL again afterwards", async () => {
    const query = handle.db.selectFrom("tenants" as never).select(["id" as never]);
    const streamed: unknown[] = [];
    for await (const row of query.stream()) streamed.push(row);
    expect(await query.execute()).toEqual(streamed);
    expect(streamed.length).toBeGreaterThan(2);
  });
});
