import type { Database as SqliteDatabase, Statement } from "better-sqlite3";
import {
  CompiledQuery,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from "kysely";

// Distinct SQL texts the process runs are few (queries are built from fixed shapes); the bound
// only matters for shapes with variable-length `in (...)` lists.
const MAX_CACHED_STATEMENTS = 500;

/**
 * Kysely's SQLite dialect with two changes that matter under load:
 *
 * - **Prepared statements are reused.** better-sqlite3 prepares a statement per call; compiling
 *   the same SQL text again on every query was a tenth of a tool call's CPU.
 * - **The single connection is handed out first come, first served.** Kysely's own mutex wakes
 *   every waiter at once and lets whichever runs first take the connection, so under steady
 *   load some requests lost that race again and again (seconds of tail latency).
 */
export class FairSqliteDialect implements Dialect {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  createDriver(): Driver {
    return new GroupCommitSqliteDriver(this.#database);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/**
 * One connection's lease: what Kysely holds between acquiring and releasing it. A lease that
 * finished its writes hands the connection on before its commit is durable (group commit), so
 * Kysely's later release must not release the connection a second time.
 */
class Lease implements DatabaseConnection {
  /** Inside a Kysely transaction (a savepoint of the open batch). */
  inTransaction = false;
  /** Handed the connection on already (committed into a batch and now waiting for it). */
  handedOn = false;

  constructor(readonly driver: GroupCommitSqliteDriver) {}

  executeQuery<TRow>(compiledQuery: CompiledQuery): Promise<QueryResult<TRow>> {
    return this.driver.executeQuery(this, compiledQuery);
  }

  streamQuery<TRow>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<TRow>> {
    return this.driver.connection.streamQuery(compiledQuery);
  }
}

/** Writes waiting for one COMMIT. */
interface Batch {
  readonly waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

/**
 * Group commit on the single SQLite connection. Every write runs inside a shared outer
 * transaction (the batch): a Kysely transaction is a savepoint in it, a lone write statement runs
 * in it directly. When a writer is done it hands the connection to the next one and waits; once
 * the event loop has run what is ready, one COMMIT makes the whole batch durable and every waiter
 * is answered (or all of them get the error: nothing is acknowledged that was not committed).
 * A commit writes each changed B-tree page to the WAL once per batch instead of once per
 * request, which is most of what a small write costs (ADR 0010).
 */
class GroupCommitSqliteDriver implements Driver {
  readonly #database: SqliteDatabase;
  readonly connection: CachingSqliteConnection;
  readonly #lock = new FifoLock();
  #batch: Batch | undefined;

  constructor(database: SqliteDatabase) {
    this.#database = database;
    this.connection = new CachingSqliteConnection(database);
  }

  async init(): Promise<void> {
    // The connection is opened by the caller.
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#lock.acquire();
    return new Lease(this);
  }

  async beginTransaction(lease: DatabaseConnection): Promise<void> {
    const held = asLease(lease);
    await this.#openBatch();
    this.#run(SAVEPOINT);
    held.inTransaction = true;
  }

  async commitTransaction(lease: DatabaseConnection): Promise<void> {
    const held = asLease(lease);
    this.#run(RELEASE);
    held.inTransaction = false;
    await this.#handOnAndWait(held);
  }

  async rollbackTransaction(lease: DatabaseConnection): Promise<void> {
    const held = asLease(lease);
    // Kysely also rolls back when the commit failed: by then the savepoint was released into a
    // batch that SQLite has rolled back, and the connection belongs to the next writer.
    if (!held.inTransaction) return;
    held.inTransaction = false;
    // One of its statements made SQLite roll the whole batch back (#execute failed it).
    if (this.#batch === undefined) return;
    try {
      this.#run(ROLLBACK_TO);
      this.#run(RELEASE);
    } catch (error) {
      // SQLite rolled the whole batch back already (I/O error, disk full): nobody in it is stored.
      this.#failBatch(error);
      throw error;
    }
  }

  async releaseConnection(lease: DatabaseConnection): Promise<void> {
    const held = asLease(lease);
    if (held.handedOn) return;
    held.handedOn = true;
    this.#lock.release();
  }

  async destroy(): Promise<void> {
    await this.#flush();
    this.#database.close();
  }

  async executeQuery<TRow>(lease: Lease, compiledQuery: CompiledQuery): Promise<QueryResult<TRow>> {
    // A pinned connection (`db.connection()`) may run more statements after a write handed it on.
    if (lease.handedOn) {
      await this.#lock.acquire();
      lease.handedOn = false;
    }
    if (lease.inTransaction) return this.#execute(compiledQuery);
    if (this.connection.isReadonly(compiledQuery.sql)) return this.#execute(compiledQuery);
    // A write on its own is a batch member too: answered only once its batch is committed.
    await this.#openBatch();
    const result = await this.#execute<TRow>(compiledQuery);
    await this.#handOnAndWait(lease);
    return result;
  }

  #execute<TRow>(compiledQuery: CompiledQuery): Promise<QueryResult<TRow>> {
    try {
      return Promise.resolve(this.connection.run<TRow>(compiledQuery));
    } catch (error) {
      // Most failed statements undo only themselves; a few undo the whole open transaction.
      if (this.#batch !== undefined && !this.#database.inTransaction) this.#failBatch(error);
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async #openBatch(): Promise<void> {
    if (this.#batch !== undefined) return;
    await this.#beginImmediate();
    this.#batch = { waiters: [] };
    // After the I/O callbacks of this loop turn, so requests that arrived together commit
    // together; scheduled now so that even a batch whose writers all failed is closed.
    setImmediate(() => void this.#flush());
  }

  /**
   * IMMEDIATE: the write lock is taken up front, so another connection writing the same file
   * cannot make a batch fail halfway with SQLITE_BUSY. While another connection holds it, this
   * waits with timers rather than in SQLite's busy handler, which would block the event loop
   * and, when that connection lives in this very process, keep it from ever committing.
   */
  async #beginImmediate(): Promise<void> {
    const giveUpAt = Date.now() + BUSY_WAIT_MS;
    for (let attempt = 0; ; attempt += 1) {
      this.#run(BUSY_TIMEOUT_OFF);
      try {
        this.#run(BEGIN_IMMEDIATE);
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() >= giveUpAt) throw error;
      } finally {
        this.#run(BUSY_TIMEOUT_ON);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(1 + attempt, 4)));
    }
  }

  #handOnAndWait(lease: Lease): Promise<void> {
    const batch = this.#batch;
    if (batch === undefined) {
      // The batch failed while this writer ran; #failBatch already answered its members.
      void this.releaseConnection(lease);
      return Promise.reject(new Error("the SQLite transaction was rolled back"));
    }
    const committed = new Promise<void>((resolve, reject) => {
      batch.waiters.push({ resolve, reject });
    });
    void this.releaseConnection(lease);
    return committed;
  }

  /** Commits the open batch, if any, and answers its members. */
  async #flush(): Promise<void> {
    await this.#lock.acquire();
    try {
      const batch = this.#batch;
      if (batch === undefined) return;
      this.#batch = undefined;
      try {
        this.#run(COMMIT);
      } catch (error) {
        this.#rollbackBatch();
        for (const waiter of batch.waiters) waiter.reject(error);
        return;
      }
      for (const waiter of batch.waiters) waiter.resolve();
    } finally {
      this.#lock.release();
    }
  }

  #failBatch(error: unknown): void {
    const batch = this.#batch;
    if (batch === undefined) return;
    this.#batch = undefined;
    this.#rollbackBatch();
    for (const waiter of batch.waiters) waiter.reject(error);
  }

  /** Whatever SQLite left of the batch goes; its writers are told by the caller either way. */
  #rollbackBatch(): void {
    if (!this.#database.inTransaction) return;
    try {
      this.#run(ROLLBACK);
    } catch {
      // Only possible when SQLite has already ended the transaction itself.
    }
  }

  #run(statement: CompiledQuery): void {
    this.connection.run(statement);
  }
}

/** How long a batch waits for another connection's write lock (SQLite's `busy_timeout`). */
export const BUSY_WAIT_MS = 5000;
const BUSY_TIMEOUT_OFF = CompiledQuery.raw("pragma busy_timeout = 0");
const BUSY_TIMEOUT_ON = CompiledQuery.raw(`pragma busy_timeout = ${BUSY_WAIT_MS}`);
const BEGIN_IMMEDIATE = CompiledQuery.raw("begin immediate");
const COMMIT = CompiledQuery.raw("commit");
const ROLLBACK = CompiledQuery.raw("rollback");
const SAVEPOINT = CompiledQuery.raw("savepoint frontdesk_tx");
const RELEASE = CompiledQuery.raw("release frontdesk_tx");
const ROLLBACK_TO = CompiledQuery.raw("rollback to frontdesk_tx");

function isBusy(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "SQLITE_BUSY";
}

function asLease(connection: DatabaseConnection): Lease {
  if (!(connection instanceof Lease)) throw new Error("not a connection of this driver");
  return connection;
}

/** Runs statements on the one better-sqlite3 connection, each SQL text prepared once. */
class CachingSqliteConnection {
  readonly #database: SqliteDatabase;
  readonly #statements = new Map<string, Statement>();

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  /** Synchronous, like better-sqlite3: throws what SQLite reports. */
  run<TRow>(compiledQuery: CompiledQuery): QueryResult<TRow> {
    const { sql, parameters } = compiledQuery;
    const statement = this.#prepare(sql);
    if (statement.reader) {
      return { rows: statement.all(parameters) as TRow[] };
    }
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  /** True for statements that cannot change the database (plain selects, most pragmas). */
  isReadonly(sql: string): boolean {
    return this.#prepare(sql).readonly;
  }

  async *streamQuery<TRow>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<TRow>> {
    if (!SelectQueryNode.is(compiledQuery.query)) {
      throw new Error("Sqlite driver only supports streaming of select queries");
    }
    // Its own statement: a cached one would be busy while the stream is open.
    const statement = this.#database.prepare(compiledQuery.sql);
    for (const row of statement.iterate(compiledQuery.parameters)) {
      yield { rows: [row as TRow] };
    }
  }

  #prepare(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#database.prepare(sql);
      if (this.#statements.size >= MAX_CACHED_STATEMENTS) this.#statements.clear();
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

/** A mutex that hands itself to waiters in arrival order (no barging by newcomers). */
class FifoLock {
  #held = false;
  readonly #waiters: (() => void)[] = [];

  acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    // Handed over while still held, so nobody can take it in between.
    if (next === undefined) this.#held = false;
    else next();
  }
}
