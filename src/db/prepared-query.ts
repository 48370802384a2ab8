import type { Compilable, CompiledQuery, Kysely } from "kysely";
import type { Database } from "./schema.js";

/** Stands for a named parameter while a query is built once; never reaches the database. */
class Param {
  constructor(readonly name: string) {}
}

/** The parameters of a prepared query, typed as their values, to use where values go. */
export type ParamRefs<TParams> = { readonly [K in keyof TParams]: TParams[K] };

export interface PreparedQuery<TParams, TRow> {
  /** All rows; `db` may be a transaction. */
  execute(db: Kysely<Database>, params: TParams): Promise<TRow[]>;
  /** The first row, or undefined. */
  executeTakeFirst(db: Kysely<Database>, params: TParams): Promise<TRow | undefined>;
}

interface Template {
  compiled: CompiledQuery;
  /** For each SQL parameter: the name of the value to bind, or undefined for a fixed value. */
  names: (string | undefined)[];
}

/**
 * A query on the hot path, built and compiled once per dialect instead of on every call
 * (Kysely's builder and compiler cost more than better-sqlite3 running the statement). The
 * builder receives stand-ins for its parameters and must only pass them where values go:
 * anything that looks at a parameter's value while building (`?? null`, a branch) would see the
 * stand-in. Give `null`, never `undefined`, for an absent value: the SQL is fixed.
 */
export function prepareQuery<TParams extends object, TRow>(
  build: (db: Kysely<Database>, params: ParamRefs<TParams>) => Compilable<TRow>,
): PreparedQuery<TParams, TRow> {
  // Keyed by the dialect adapter, which a Kysely instance shares with its transactions.
  const templates = new WeakMap<object, Template>();
  const refs = new Proxy({} as ParamRefs<TParams>, {
    get: (_target, name) => new Param(String(name)),
  });

  const templateOf = (db: Kysely<Database>): Template => {
    const compiled = build(db, refs).compile();
    const names = compiled.parameters.map((value) =>
      value instanceof Param ? value.name : undefined,
    );
    registerStatement(compiled.sql);
    return { compiled, names };
  };

  const templateFor = (db: Kysely<Database>): Template => {
    const executor = db.getExecutor();
    // Plugins (withSchema, camel case) may rewrite each query: compile those every time.
    if (executor.plugins.length > 0) return templateOf(db);
    let template = templates.get(executor.adapter);
    if (template === undefined) {
      template = templateOf(db);
      templates.set(executor.adapter, template);
    }
    return template;
  };

  const run = async (db: Kysely<Database>, params: TParams): Promise<TRow[]> => {
    const { compiled, names } = templateFor(db);
    const parameters = names.map((name, index) =>
      name === undefined
        ? compiled.parameters[index]
        : ((params as Record<string, unknown>)[name] ?? null),
    );
    const result = await db.executeQuery<TRow>({ ...compiled, parameters });
    return result.rows;
  };

  return {
    execute: run,
    async executeTakeFirst(db, params) {
      const rows = await run(db, params);
      return rows[0];
    },
  };
}

// The SQL texts of the prepared queries, each with a statement name: a fixed, small set (one
// per query and dialect), so a driver may keep each one parsed on every connection for good.
const statementNames = new Map<string, string>();

function registerStatement(text: string): void {
  // `*` would tie a kept statement to the columns its tables had when it was parsed: PostgreSQL
  // refuses to run one whose result columns changed ("cached plan must not change result
  // type"), e.g. after a migration that adds a column while this process runs. Such queries
  // (and `count(*)`, harmlessly) are parsed on each call as before.
  if (text.includes("*") || statementNames.has(text)) return;
  statementNames.set(text, `frontdesk_${statementNames.size + 1}`);
}

/**
 * The statement name of a prepared query's SQL, or undefined for any other SQL. The PostgreSQL
 * pool uses it to have the server parse and plan these queries once per connection instead of
 * on every call (see kysely.ts).
 */
export function statementNameOf(text: string): string | undefined {
  return statementNames.get(text);
}
