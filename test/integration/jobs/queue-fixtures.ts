import type { Deps } from "../../../src/deps.js";
import type { JobRow } from "../../../src/db/schema.js";
import type { JobLogger } from "../../../src/jobs/queue.js";

/** Database-queue rows whose id starts with `prefix`, in id order. */
export async function readJobs(deps: Deps, prefix: string): Promise<JobRow[]> {
  return deps.db
    .selectFrom("jobs")
    .selectAll()
    .where("id", "like", `${prefix}%`)
    .orderBy("id")
    .execute();
}

const nothing = () => undefined;

/** A logger that drops everything (the queue's own tests assert on rows, not on log lines). */
export const silentLog: JobLogger = {
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
  child: () => silentLog,
};
