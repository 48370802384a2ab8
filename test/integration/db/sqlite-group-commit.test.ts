import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite, { type Database as SqliteDatabase } from "better-sqlite3";
import { Kysely } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDatabase } from "../../../src/db/kysely.js";
import { FairSqliteDialect } from "../../../src/db/sqlite-dialect.js";

// The tables of these tests only; the app's schema type does not know them.
type TestSchema = {
  notes: { id: string; body: string };
  parents: { id: string };
  children: { id: string; parent_id: string };
};

/** A real SQLite file, with a second connection that sees only what was committed. */
function openFiles(directory: string) {
  const file = join(directory, "group-commit.db");
  const sqlite = new SQLite(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.exec(`
    create table notes (id text primary key, body text not null);
    create table parents (id text primary key);
    create table children (
      id text primary key,
      parent_id text not null references parents (id) deferrable initially deferred
    );
  `);
  sqlite.pragma("foreign_keys = ON");
  const commits = countCommits(sqlite);
  const db = new Kysely<TestSchema>({ dialect: new FairSqliteDialect(sqlite) });
  const observer = new SQLite(file, { readonly: true });
  const committedIds = (table: "notes" | "children"): string[] =>
    (observer.prepare(`select id from ${table} order by id`).all() as { id: string }[]).map(
      (row) => row.id,
    );
  return { file, db, observer, commits, committedIds };
}

/** Counts the COMMITs the driver runs, by wrapping the statement it prepares for them. */
function countCommits(sqlite: SqliteDatabase): { count: number } {
  const commits = { count: 0 };
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    const statement = prepare(source);
    if (source.trim().toLowerCase() === "commit") {
      const run = statement.run.bind(statement);
      statement.run = (...args: unknown[]) => {
        commits.count += 1;
        return run(...(args as []));
      };
    }
    return statement;
  }) as typeof sqlite.prepare;
  return commits;
}

describe("SQLite group commit", () => {
  let directory: string;
  let files: ReturnType<typeof openFiles>;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "frontdesk-group-commit-"));
    files = openFiles(directory);
  });
  afterEach(async () => {
    await files.db.destroy();
    files.observer.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("answers each write only once another connection can read it, committing them together", async () => {
    const { db, commits, committedIds } = files;
    const seenWhenAnswered: boolean[] = [];
    const writes = Array.from({ length: 40 }, (_, index) => {
      const id = `note-${String(index).padStart(2, "0")}`;
      const write =
        index % 2 === 0
          ? db.insertInto("notes").values({ id, body: "alone" }).execute()
          : db.transaction().execute(async (trx) => {
              await trx.insertInto("notes").values({ id, body: "in a transaction" }).execute();
              await trx
                .updateTable("notes")
                .set({ body: "updated" })
                .where("id", "=", id)
                .execute();
            });
      return write.then(() => seenWhenAnswered.push(committedIds("notes").includes(id)));
    });
    await Promise.all(writes);

    expect(seenWhenAnswered).toEqual(Array.from({ length: 40 }, () => true));
    expect(committedIds("notes")).toHaveLength(40);
    // Forty writers that arrived together: a handful of commits at most, not forty.
    expect(commits.count).toBeGreaterThan(0);
    expect(commits.count).toBeLessThanOrEqual(3);
  });

  it("rolls back a failing transaction alone; the others in its batch are kept", async () => {
    const { db, committedIds } = files;
    const results = await Promise.allSettled([
      db.insertInto("notes").values({ id: "kept-1", body: "x" }).execute(),
      db.transaction().execute(async (trx) => {
        await trx.insertInto("notes").values({ id: "undone", body: "x" }).execute();
        throw new Error("the tool failed");
      }),
      db.transaction().execute(async (trx) => {
        await trx.insertInto("notes").values({ id: "kept-2", body: "x" }).execute();
      }),
      // A constraint violation undoes its own statement only.
      db.insertInto("notes").values({ id: "kept-1", body: "duplicate" }).execute(),
    ]);

    expect(results.map((result) => result.status)).toEqual([
      "fulfilled",
      "rejected",
      "fulfilled",
      "rejected",
    ]);
    expect(committedIds("notes")).toEqual(["kept-1", "kept-2"]);
  });

  it("fails every writer of a batch whose COMMIT fails, keeps none of their rows, and recovers", async () => {
    const { db, committedIds } = files;
    const results = await Promise.allSettled([
      db.insertInto("parents").values({ id: "parent" }).execute(),
      db.transaction().execute(async (trx) => {
        await trx.insertInto("children").values({ id: "child", parent_id: "parent" }).execute();
      }),
      // A deferred foreign key is checked at COMMIT: this writer makes the whole batch fail.
      db.insertInto("children").values({ id: "orphan", parent_id: "nobody" }).execute(),
    ]);

    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected", "rejected"]);
    for (const result of results) {
      if (result.status === "rejected") expect(String(result.reason)).toMatch(/FOREIGN KEY/);
    }
    expect(committedIds("children")).toEqual([]);

    await db.insertInto("parents").values({ id: "parent" }).execute();
    await db.insertInto("children").values({ id: "child", parent_id: "parent" }).execute();
    expect(committedIds("children")).toEqual(["child"]);
  });

  it("lets two handles on one file in one process both write (no lock held across their turns)", async () => {
    const second = createDatabase({ url: files.file });
    try {
      const writes = Array.from({ length: 30 }, (_, index) =>
        (index % 2 === 0 ? files.db : (second.db as unknown as Kysely<TestSchema>))
          .insertInto("notes")
          .values({ id: `both-${String(index).padStart(2, "0")}`, body: "x" })
          .execute(),
      );
      await Promise.all(writes);
      expect(files.committedIds("notes")).toHaveLength(30);
    } finally {
      await second.close();
    }
  });

  it("waits for another connection's write lock without blocking the event loop", async () => {
    const other = new SQLite(files.file);
    other.exec("begin immediate");
    const events: string[] = [];
    const write = files.db
      .insertInto("notes")
      .values({ id: "waited", body: "x" })
      .execute()
      .then(() => events.push("write answered"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    events.push("timer fired while the lock was held");
    expect(files.committedIds("notes")).toEqual([]);
    other.exec("commit");
    other.close();
    await write;

    expect(events).toEqual(["timer fired while the lock was held", "write answered"]);
    expect(files.committedIds("notes")).toEqual(["waited"]);
  });
});
