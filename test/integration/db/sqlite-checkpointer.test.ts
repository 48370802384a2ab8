import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite, { type Database as SqliteDatabase } from "better-sqlite3";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applySqliteSettings, createDatabase } from "../../../src/db/kysely.js";
import {
  CHECKPOINT_FALLBACK_MESSAGE,
  startBackgroundCheckpoints,
  type SqliteCheckpointer,
} from "../../../src/db/sqlite-checkpointer.js";
import { startTestServer } from "../../helpers/start-server.js";
import { waitUntil } from "../jobs/receiver.js";

const PAGE_BYTES = 4096;
// A row that fills about two pages, so page counts are easy to reason about.
const ROW = "x".repeat(2 * PAGE_BYTES);

function fileSize(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/**
 * Inserts `rows` rows in transactions of `perTransaction`, letting the event loop (and the
 * checkpoint thread's timers) run in between, for `pauseMs` when given.
 */
async function writeRows(
  sqlite: SqliteDatabase,
  rows: number,
  perTransaction: number,
  pauseMs?: number,
) {
  const insert = sqlite.prepare("insert into notes (body) values (?)");
  const writeBatch = sqlite.transaction((count: number) => {
    for (let index = 0; index < count; index += 1) insert.run(ROW);
  });
  for (let written = 0; written < rows; written += perTransaction) {
    writeBatch(Math.min(perTransaction, rows - written));
    await new Promise((resolve) =>
      pauseMs === undefined ? setImmediate(resolve) : setTimeout(resolve, pauseMs),
    );
  }
}

describe("SQLite checkpoints on a worker thread (SQLITE_CHECKPOINTS=background)", () => {
  let directory: string;
  let file: string;
  let sqlite: SqliteDatabase;
  let checkpointer: SqliteCheckpointer | undefined;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "frontdesk-checkpointer-"));
    file = join(directory, "frontdesk.db");
    sqlite = new SQLite(file);
    applySqliteSettings(sqlite);
    sqlite.exec("create table notes (id integer primary key, body text not null)");
  });

  afterEach(async () => {
    await checkpointer?.stop();
    checkpointer = undefined;
    if (sqlite.open) sqlite.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("copies committed pages into the database file without the writer checkpointing", async () => {
    checkpointer = startBackgroundCheckpoints(sqlite, file);
    expect(sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    const before = fileSize(file);

    // About 200 pages: SQLite's own automatic checkpoint would wait for 1,000, so without the
    // thread the database file would not grow at all.
    await writeRows(sqlite, 100, 100);

    await waitUntil(
      () => fileSize(file) >= before + 100 * 2 * PAGE_BYTES,
      5000,
      "the background checkpoint to copy the rows into the database file",
    );
    expect(checkpointer.mode()).toBe("background");
  });

  it("starts the WAL over while writes keep coming", async () => {
    checkpointer = startBackgroundCheckpoints(sqlite, file);
    // 6,000 rows of two pages, 12 to a transaction, one transaction per millisecond or so:
    // about 12,000 frames, three times the length at which the thread restarts the WAL.
    await writeRows(sqlite, 6000, 12, 1);

    expect(checkpointer.mode()).toBe("background");
    // Stopped first, so that this last checkpoint is not refused (-1) while the thread runs
    // one: it reports the frames written since the WAL last started over.
    await checkpointer.stop();
    const [state] = sqlite.pragma("wal_checkpoint(PASSIVE)") as { log: number }[];
    expect(state?.log).toBeGreaterThanOrEqual(0);
    expect(state?.log).toBeLessThan(6000);
  });

  it("goes back to SQLite's automatic checkpoints when the thread cannot open the file", async () => {
    const failures: unknown[] = [];
    checkpointer = startBackgroundCheckpoints(sqlite, join(directory, "missing", "x.db"), {
      onFallback: (error) => failures.push(error),
    });
    expect(sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(0);

    await waitUntil(() => failures.length > 0, 5000, "the fallback");
    expect(checkpointer.mode()).toBe("inline");
    expect(sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    expect(String(failures[0])).toMatch(/unable to open database file|directory does not exist/);
    // Once only, even though the thread both fails and exits.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(failures).toHaveLength(1);
  });

  it("stops before the writer closes, so the close checkpoints and removes the WAL", async () => {
    checkpointer = startBackgroundCheckpoints(sqlite, file);
    await writeRows(sqlite, 50, 50);
    expect(existsSync(`${file}-wal`)).toBe(true);

    await checkpointer.stop();
    sqlite.close();

    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = new SQLite(file, { readonly: true });
    try {
      expect(reopened.prepare("select count(*) as n from notes").get()).toEqual({ n: 50 });
    } finally {
      reopened.close();
    }
  });
});

describe("createDatabase with sqliteCheckpoints: background", () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "frontdesk-checkpointer-"));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it("writes through Kysely as usual, checkpoints in the background and cleans up on close", async () => {
    const file = join(directory, "frontdesk.db");
    const handle = createDatabase({ url: file, sqliteCheckpoints: "background" });
    await sql`create table notes (id integer primary key, body text not null)`.execute(handle.db);
    const before = fileSize(file);
    for (let index = 0; index < 20; index += 1) {
      await sql`insert into notes (body) values (${ROW})`.execute(handle.db);
    }

    await waitUntil(
      () => fileSize(file) >= before + 20 * 2 * PAGE_BYTES,
      5000,
      "the rows in the database file",
    );
    await handle.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it("leaves an in-memory database alone", async () => {
    const handle = createDatabase({ url: ":memory:", sqliteCheckpoints: "background" });
    const [row] = (
      await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(handle.db)
    ).rows;
    expect(row?.wal_autocheckpoint).toBe(1000);
    await handle.close();
  });
});

describe("a server with SQLITE_CHECKPOINTS=background", () => {
  it("runs its writer without inline checkpoints and logs a fallback as an error", async () => {
    const server = await startTestServer({ env: { SQLITE_CHECKPOINTS: "background" } });
    try {
      const [setting] = (
        await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(server.deps.db)
      ).rows;
      expect(setting?.wal_autocheckpoint).toBe(0);

      server.deps.databaseEvents.emit({
        type: "checkpoint-fallback",
        error: new Error("disk I/O error"),
      });
      const fallbackLine = () => server.logs.find((e) => e.msg === CHECKPOINT_FALLBACK_MESSAGE);
      await waitUntil(() => fallbackLine() !== undefined, 5000, "the fallback's log line");
      expect(fallbackLine()).toMatchObject({ level: 50, err: { message: "disk I/O error" } });
    } finally {
      await server.close();
    }
  });
});
