import {
  Migrator,
  sql,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
} from "kysely";
import type { DatabaseHandle } from "./kysely.js";
import { quoteIdentifier } from "./kysely.js";
import { MIGRATIONS } from "./migrations/index.js";

// Migrations are imported statically rather than read from a folder so that the same list works
// from tsx, from the compiled dist/ and inside tests without path juggling.
class StaticMigrationProvider implements MigrationProvider {
  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve({ ...MIGRATIONS });
  }
}

export interface MigrateOptions {
  /** PostgreSQL schema to create first (tests); ignored on SQLite. */
  postgresSchema?: string;
}

/**
 * Brings the database to the latest migration.
 * @throws the first migration error, after logging which migration failed in the message.
 */
export async function migrateToLatest(
  handle: DatabaseHandle,
  options: MigrateOptions = {},
): Promise<MigrationResultSet> {
  if (handle.dialect === "postgres" && options.postgresSchema !== undefined) {
    await sql`create schema if not exists ${sql.raw(quoteIdentifier(options.postgresSchema))}`.execute(
      handle.db,
    );
  }
  const migrator = new Migrator({
    db: handle.db,
    provider: new StaticMigrationProvider(),
    ...(handle.dialect === "postgres" && options.postgresSchema !== undefined
      ? { migrationTableSchema: options.postgresSchema }
      : {}),
  });
  const result = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((item) => item.status === "Error");
    const reason =
      result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new Error(`migration ${failed?.migrationName ?? "(unknown)"} failed: ${reason}`, {
      cause: result.error,
    });
  }
  return result;
}
