import { sql, type Expression, type SqlBool } from "kysely";
import { encodeCursor, type PagePosition } from "./page-cursor.js";
import type { RecordPage } from "./record-schemas.js";

/** Tables listed newest first by `(created_at, id)`; each has `tenant_id`, `created_at`, `id`. */
export type PagedTable = "calls" | "leads" | "messages" | "bookings" | "deliveries";

/** The filters every list shares, as parsed from the query (instants already normalised). */
export interface PageWindow {
  tenantId?: string | undefined;
  /** Inclusive, ISO-8601 UTC. */
  from?: string | undefined;
  /** Exclusive, ISO-8601 UTC. */
  to?: string | undefined;
  /** The last row of the previous page. */
  cursor?: PagePosition | undefined;
}

/**
 * WHERE conditions for one page of `table`. Keyset paging: the next page starts strictly after
 * the previous page's last `(created_at, id)` in the `created_at desc, id desc` order, so rows
 * inserted meanwhile never shift or repeat a page (an offset would), and every page is one index
 * range on `(tenant_id, created_at)`. Timestamps are ISO text and compare correctly as text.
 */
export function pageConditions(table: PagedTable, window: PageWindow): Expression<SqlBool>[] {
  const createdAt = sql.ref(`${table}.created_at`);
  const id = sql.ref(`${table}.id`);
  const conditions: Expression<SqlBool>[] = [];
  if (window.tenantId !== undefined) {
    conditions.push(sql<SqlBool>`${sql.ref(`${table}.tenant_id`)} = ${window.tenantId}`);
  }
  if (window.from !== undefined) conditions.push(sql<SqlBool>`${createdAt} >= ${window.from}`);
  if (window.to !== undefined) conditions.push(sql<SqlBool>`${createdAt} < ${window.to}`);
  const cursor = window.cursor;
  if (cursor !== undefined) {
    conditions.push(
      sql<SqlBool>`(${createdAt} < ${cursor.createdAt} or (${createdAt} = ${cursor.createdAt} and ${id} < ${cursor.id}))`,
    );
  }
  return conditions;
}

/**
 * A page from rows fetched with `limit + 1`: the extra row only says that another page exists,
 * which saves a count query.
 */
export function toPage<TRow extends { created_at: string; id: string }, TItem>(
  rows: TRow[],
  limit: number,
  view: (row: TRow) => TItem,
): RecordPage<TItem> {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return {
    data: shown.map(view),
    nextCursor:
      rows.length > limit && last !== undefined
        ? encodeCursor({ createdAt: last.created_at, id: last.id })
        : null,
  };
}
