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
    return new FairSqliteDriver(this.#database);
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

class FairSqliteDriver implements Driver {
  readonly #database: SqliteDatabase;
  readonly #connection: CachingSqliteConnection;
  readonly #lock = new FifoLock();

  constructor(database: SqliteDatabase) {
    this.#database = database;
    this.#connection = new CachingSqliteConnection(database);
  }

  async init(): Promise<void> {
    // The connection is opened by the caller.
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#lock.acquire();
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async releaseConnection(): Promise<void> {
    this.#lock.release();
  }

  async destroy(): Promise<void> {
    this.#database.close();
  }
}

class CachingSqliteConnection implements DatabaseConnection {
  readonly #database: SqliteDatabase;
  readonly #statements = new Map<string, Statement>();

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  executeQuery<TRow>(compiledQuery: CompiledQuery): Promise<QueryResult<TRow>> {
    const { sql, parameters } = compiledQuery;
    const statement = this.#prepare(sql);
    if (statement.reader) {
      return Promise.resolve({ rows: statement.all(parameters) as TRow[] });
    }
    const { changes, lastInsertRowid } = statement.run(parameters);
    return Promise.resolve({
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
      rows: [],
    });
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
