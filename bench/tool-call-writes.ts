/*
 * What a create_lead tool call costs SQLite, through frontdesk's own code:
 *   npx tsx bench/tool-call-writes.ts [--calls 50000] [--in-flight 25] [--call-ids v7|v4]
 *
 * A fresh database file with frontdesk's schema and settings and the example tenant; then
 * `--in-flight` create_lead calls at a time, each through `runIdempotent` and the create_lead
 * tool exactly as the tool-calls handler runs them (a new call id and tool call id each), so
 * group commit makes each round one transaction. Vapi's call ids are UUIDv7, which start with
 * the time (the example payloads' `019a9c4e-2b71-7d3e-…`, made 2025-11-18, the date in their
 * recording URLs), so the indexes keyed by call id grow at their end: `--call-ids v7`, the
 * default. `v4` gives random call ids, the worst case for those indexes (every insert on a
 * page of its own). Tool call ids are random either way, as OpenAI's `call_…` ids are.
 * Two passes, each on its own file:
 * - pages: the WAL emptied first and automatic checkpoints off, so every page a COMMIT writes
 *   stays in it; the WAL's size then gives the pages written per tool call. That count does not depend on the host's
 *   speed, and each page is also copied to the database file by a later checkpoint.
 * - time: SQLite's default automatic checkpoint, as the server runs; CPU of this process (user +
 *   system: SQLite's writes are system time) and wall clock, per tool call.
 * Neither includes HTTP, JSON parsing, validation or the other tool of the bench's request.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import SQLite from "better-sqlite3";
import { sql } from "kysely";
import { v7 as uuidV7 } from "uuid";
import { systemClock } from "../src/clock.js";
import type { DatabaseHandle } from "../src/db/kysely.js";
import type { JobEnqueuer } from "../src/jobs/queue.js";
import type { Tenant } from "../src/tenants/tenant-document.js";
import { createLeadTool, type CreateLeadArgs } from "../src/tools/create-lead.js";
import { runIdempotent } from "../src/tools/idempotent.js";
import { openDatabaseWith, readExampleTenant } from "./example-database.js";
import { LEAD_ARGS } from "./payloads/call-artifacts.js";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "50000" },
    "in-flight": { type: "string", default: "25" },
    "call-ids": { type: "string", default: "v7" },
  },
});
const callCount = Number(values.calls);
const inFlight = Number(values["in-flight"]);
if (!Number.isInteger(callCount) || !Number.isInteger(inFlight) || callCount < inFlight) {
  throw new Error("--calls and --in-flight must be whole numbers, calls >= in-flight");
}
const callIdVersion = values["call-ids"];
if (callIdVersion !== "v7" && callIdVersion !== "v4") throw new Error("--call-ids is v7 or v4");
const newCallId = callIdVersion === "v7" ? () => uuidV7() : () => randomUUID();

const tenant = await readExampleTenant();

const args = createLeadTool.argsSchema.parse(LEAD_ARGS);
// The example tenant subscribes to no notification, so create_lead queues no job.
const noJobs: JobEnqueuer = {
  enqueue: () => Promise.reject(new Error("the example tenant was expected to queue no job")),
};

interface CallIds {
  callId: string;
  toolCallId: string;
}

// Made before a pass's clock starts: uuid's v7 draws fresh random bytes for every id, which
// cost ~15 µs of CPU per call in a profile of this loop (frontdesk's own work is ~100).
function newCallIds(count: number): CallIds[] {
  return Array.from({ length: count }, () => ({
    callId: newCallId(),
    toolCallId: `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`,
  }));
}

function runCreateLead(
  db: DatabaseHandle["db"],
  owner: Tenant,
  leadArgs: CreateLeadArgs,
  ids: CallIds,
) {
  const ctx = {
    tenant: owner,
    callId: ids.callId,
    toolCallId: ids.toolCallId,
    callerNumber: "+61491570156",
    db,
    clock: systemClock,
    signal: new AbortController().signal,
    beginCommit: () => true,
    jobs: noJobs,
  };
  return runIdempotent(ctx, createLeadTool.name, leadArgs, (inTransaction) =>
    createLeadTool.execute(inTransaction, leadArgs),
  );
}

interface Pass {
  cpuMicros: number;
  wallMs: number;
}

async function runCalls(handle: DatabaseHandle, owner: Tenant): Promise<Pass> {
  const ids = newCallIds(callCount);
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  for (let done = 0; done < callCount; done += inFlight) {
    const outcomes = await Promise.all(
      ids
        .slice(done, done + inFlight)
        .map((callIds) => runCreateLead(handle.db, owner, args, callIds)),
    );
    const failed = outcomes.find((outcome) => !outcome.ok);
    if (failed !== undefined) throw new Error(`create_lead failed: ${JSON.stringify(failed)}`);
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { cpuMicros: cpu.user + cpu.system, wallMs: performance.now() - wallBefore };
}

const WAL_HEADER_BYTES = 32;

const directory = await mkdtemp(join(tmpdir(), "frontdesk-tool-call-writes-"));
try {
  const pagesFile = join(directory, "pages.db");
  const counting = await openDatabaseWith(pagesFile, tenant);
  await sql`pragma wal_autocheckpoint = 0`.execute(counting.db);
  const pageSize = (await sql<{ page_size: number }>`pragma page_size`.execute(counting.db)).rows[0]
    ?.page_size;
  if (pageSize === undefined) throw new Error("no page size");
  // Empties the WAL (and truncates the file): from here its size counts only the calls' pages.
  // On a connection of its own: frontdesk's runs it as a write, inside a transaction.
  const checkpointer = new SQLite(pagesFile);
  checkpointer.pragma("wal_checkpoint(TRUNCATE)");
  checkpointer.close();
  if ((await stat(`${pagesFile}-wal`)).size !== 0) throw new Error("the WAL was not emptied");
  await runCalls(counting, tenant);
  const walBytes = (await stat(`${pagesFile}-wal`)).size - WAL_HEADER_BYTES;
  await counting.close();
  // Each WAL frame is a page plus its 24-byte header.
  const pagesPerCall = walBytes / (pageSize + 24) / callCount;

  const timing = await openDatabaseWith(join(directory, "time.db"), tenant);
  const timed = await runCalls(timing, tenant);
  await timing.close();

  process.stdout.write(
    [
      `${callCount} create_lead calls, ${inFlight} per transaction, ${callIdVersion} call ids (Node.js ${process.version})`,
      `WAL pages written per call: ${pagesPerCall.toFixed(2)} (${pageSize}-byte pages)`,
      `CPU per call: ${(timed.cpuMicros / callCount).toFixed(1)} µs; wall per call: ${((timed.wallMs * 1000) / callCount).toFixed(1)} µs`,
      "",
    ].join("\n"),
  );
} finally {
  await rm(directory, { recursive: true, force: true });
}
