/*
 * How much of an end-of-call report's cost is storing it, on SQLite:
 *   npx tsx bench/storage-floor.ts [--reports 10000] [--in-flight 50]
 *
 * The reports are those of the end-of-call-30kb scenario (a new call id each), parsed, validated
 * and read as frontdesk reads them, before the clock starts. Then the same rows are stored twice,
 * each time in a fresh database file with frontdesk's schema and settings (WAL,
 * synchronous=NORMAL):
 * - frontdesk: through the call repository as the webhook does (`recordReport`: the upsert with
 *   its conflict clause and RETURNING, Kysely, group commit), `--in-flight` at a time;
 * - better-sqlite3 alone: one prepared INSERT of the same columns, `--in-flight` rows per
 *   transaction, which is what group commit turns concurrent reports into.
 * Both get the reports' JSON columns serialized before the clock starts, as frontdesk serializes
 * them where it reads the body (`serializeCallReport`, possibly on a worker thread).
 * The second is the floor under any code that stores these rows in SQLite on this machine. Times
 * are CPU per report of this process (user + system: SQLite's writes are system time), and the
 * wall clock. Neither includes HTTP, JSON parsing or the notification job.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import SQLite from "better-sqlite3";
import { createCallRepo, type CallReportRecord } from "../src/calls/call-repo.js";
import { applySqliteSettings } from "../src/db/kysely.js";
import { MESSAGE_SCHEMAS } from "../src/vapi/messages.js";
import { readCallReport, serializeCallReport } from "../src/vapi/read-call-report.js";
import { dialedTenantOf, openDatabaseWith, readExampleTenant } from "./example-database.js";
import { CALL_ID, createEndOfCallReportTemplate } from "./payloads/end-of-call-report.js";
import { REPORT_ROW_COLUMNS, REPORT_ROW_PLACEHOLDERS, reportRowValues } from "./report-row.js";

const { values } = parseArgs({
  options: {
    reports: { type: "string", default: "10000" },
    "in-flight": { type: "string", default: "50" },
  },
});
const reportCount = Number(values.reports);
const inFlight = Number(values["in-flight"]);
if (!Number.isInteger(reportCount) || reportCount < inFlight || !Number.isInteger(inFlight)) {
  throw new Error("--reports and --in-flight must be whole numbers, reports >= in-flight");
}

const tenant = await readExampleTenant();

const template = createEndOfCallReportTemplate({
  tenant: dialedTenantOf(tenant),
  targetBytes: 30 * 1024,
});

/** One batch of reports as the handler has them when it calls the repository. */
function readReports(first: number): CallReportRecord[] {
  const batch: CallReportRecord[] = [];
  for (let index = first; index < first + inFlight; index += 1) {
    const callId = `storage-floor-${index}`;
    const body = JSON.parse(template.render({ [CALL_ID]: callId })) as { message: unknown };
    const validated = MESSAGE_SCHEMAS["end-of-call-report"].safeParse(body.message);
    if (!validated.success) throw new Error("the bench report does not validate");
    batch.push(serializeCallReport(readCallReport(validated.data, callId)));
  }
  return batch;
}

interface Timing {
  cpuMicros: number;
  wallMs: number;
}

/** Times only `store`, batch by batch; reading (and `prepare`) stay outside the clock. */
async function timeStoring<TRow>(
  prepare: (batch: CallReportRecord[]) => TRow[],
  store: (batch: TRow[]) => Promise<void>,
): Promise<Timing> {
  let cpuMicros = 0;
  let wallMs = 0;
  for (let first = 0; first < reportCount; first += inFlight) {
    const batch = prepare(readReports(first));
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    await store(batch);
    wallMs += performance.now() - wallBefore;
    const cpu = process.cpuUsage(cpuBefore);
    cpuMicros += cpu.user + cpu.system;
  }
  return { cpuMicros, wallMs };
}

/** A fresh database file with frontdesk's schema and the example tenant. */
async function freshDatabase(directory: string, name: string) {
  const file = join(directory, `${name}.db`);
  return { file, handle: await openDatabaseWith(file, tenant) };
}

const directory = await mkdtemp(join(tmpdir(), "frontdesk-storage-floor-"));
try {
  const viaRepo = await freshDatabase(directory, "frontdesk");
  const calls = createCallRepo(viaRepo.handle.db);
  const nowIso = new Date().toISOString();
  const frontdesk = await timeStoring(
    (batch) => batch,
    async (batch) => {
      const outcomes = await Promise.all(
        batch.map((report) => calls.recordReport(tenant.id, report, nowIso)),
      );
      if (outcomes.some((outcome) => outcome !== "stored"))
        throw new Error("a report was not stored");
    },
  );
  await viaRepo.handle.close();

  const alone = await freshDatabase(directory, "alone");
  await alone.handle.close();
  const sqlite = new SQLite(alone.file);
  applySqliteSettings(sqlite);
  const insert = sqlite.prepare(
    `insert into calls (${REPORT_ROW_COLUMNS}) values (${REPORT_ROW_PLACEHOLDERS})`,
  );
  const toRow = (report: CallReportRecord) => reportRowValues(report, tenant.id, nowIso);
  const insertBatch = sqlite.transaction((rows: unknown[][]) => {
    for (const row of rows) insert.run(row);
  });
  const betterSqlite = await timeStoring(
    (batch) => batch.map(toRow),
    async (rows) => {
      insertBatch(rows);
    },
  );
  const rowBytes = sqlite
    .prepare(
      `select avg(length(coalesce(transcript, '')) + length(coalesce(messages, '')) +
        length(coalesce(report, ''))) as bytes from calls`,
    )
    .get() as { bytes: number };
  sqlite.close();

  const perReport = (timing: Timing) =>
    `${(timing.cpuMicros / reportCount).toFixed(0)} µs CPU, ${((timing.wallMs * 1000) / reportCount).toFixed(0)} µs wall per report`;
  console.log(
    `${reportCount.toLocaleString("en-US")} end-of-call reports of ${template.render({ [CALL_ID]: "x" }).length.toLocaleString("en-US")} B, ` +
      `~${Math.round(rowBytes.bytes).toLocaleString("en-US")} B of transcript, messages and report text per row, ${inFlight} at a time`,
  );
  console.log(`frontdesk's call repository: ${perReport(frontdesk)}`);
  console.log(
    `better-sqlite3 alone:        ${perReport(betterSqlite)} (JSON columns serialized beforehand)`,
  );
} finally {
  await rm(directory, { recursive: true, force: true });
}
