import type SQLite from "better-sqlite3";

/**
 * Frontdesk's group commit (ADR 0010) as the reference servers do it, without the connection
 * hand-off frontdesk's driver needs for async code: every write of one event-loop turn runs
 * synchronously in one transaction, and each is answered after that transaction's COMMIT (or
 * rejected with its error, none of the batch kept).
 */
export function createGroupCommit(sqlite: SQLite.Database) {
  let waiting: { resolve: () => void; reject: (error: unknown) => void }[] | undefined;
  const commit = () => {
    const batch = waiting ?? [];
    waiting = undefined;
    try {
      sqlite.exec("commit");
    } catch (error) {
      if (sqlite.inTransaction) sqlite.exec("rollback");
      for (const waiter of batch) waiter.reject(error);
      return;
    }
    for (const waiter of batch) waiter.resolve();
  };
  return {
    async write<T>(work: () => T): Promise<T> {
      if (waiting === undefined) {
        sqlite.exec("begin immediate");
        waiting = [];
        setImmediate(commit);
      }
      const batch = waiting;
      const result = work();
      await new Promise<void>((resolve, reject) => batch.push({ resolve, reject }));
      return result;
    },
  };
}
