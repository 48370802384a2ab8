import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";
import { ALL_TENANTS_CHANGED } from "./tenant-repo.js";

/** Something that tells a tenant cache about changes made elsewhere. */
export interface TenantChangeSource {
  /**
   * Calls `onChange` with the id of each tenant changed by another process, and `onResync` when
   * changes may have been missed or were too many to list. Returns an unsubscribe.
   */
  subscribe(onChange: (tenantId: string) => void, onResync: () => void): () => void;
}

export interface TenantChangeFeedOptions {
  db: Kysely<Database>;
  /** This process's name in `tenant_changes.origin`: its own changes are skipped. */
  origin: string;
  clock: Clock;
  pollIntervalMs: number;
  onError: (error: unknown) => void;
}

// A change is read while its row is younger than this. Rows are written with the writer's clock
// at the start of its transaction, so the window must cover a slow transaction (a bulk import)
// and clock differences between machines; each row is acted on once however often it is read.
const WINDOW_MS = 60_000;
// Older rows are of no use to anyone; one process or another deletes them now and then.
const KEEP_MS = 60 * 60_000;
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Tenant changes read from the `tenant_changes` table, for deployments without Redis: every
 * process polls the rows of the last minute (an indexed range, nearly always empty), so a change
 * made by another worker, another instance or the CLI reaches this one within a poll interval.
 */
export function createTenantChangeFeed(options: TenantChangeFeedOptions): TenantChangeSource {
  const { db, origin, clock, pollIntervalMs, onError } = options;
  return {
    subscribe(onChange, onResync) {
      // Change id → its time, for the rows still inside the window.
      const seen = new Map<string, string>();
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;
      let failing = false;
      let lastPrunedAt = clock.now();

      const read = async () => {
        const now = clock.now();
        const since = new Date(now - WINDOW_MS).toISOString();
        const rows = await db
          .selectFrom("tenant_changes")
          .select(["id", "tenant_id", "origin", "changed_at"])
          .where("changed_at", ">=", since)
          .execute();
        for (const [id, at] of seen) if (at < since) seen.delete(id);
        for (const row of rows) {
          if (seen.has(row.id)) continue;
          seen.set(row.id, row.changed_at);
          // Rows from before this process started are acted on too: its cache holds little yet,
          // and a change committed while its first lookups ran must not be skipped.
          if (row.origin === origin) continue;
          if (row.tenant_id === ALL_TENANTS_CHANGED) onResync();
          else onChange(row.tenant_id);
        }
        if (now - lastPrunedAt >= PRUNE_EVERY_MS) {
          lastPrunedAt = now;
          await db
            .deleteFrom("tenant_changes")
            .where("changed_at", "<", new Date(now - KEEP_MS).toISOString())
            .execute();
        }
      };

      const poll = async () => {
        try {
          await read();
          // Rows may have aged out of the window while the database could not be read.
          if (failing) onResync();
          failing = false;
        } catch (error) {
          failing = true;
          onError(error);
        } finally {
          if (!stopped) timer = setTimeout(() => void poll(), pollIntervalMs).unref();
        }
      };

      void poll();
      return () => {
        stopped = true;
        clearTimeout(timer);
      };
    },
  };
}
