import type { Kysely } from "kysely";
import { z } from "zod";
import type { Clock } from "../../clock.js";
import type { Database } from "../../db/schema.js";
import type { JobContext } from "../queue.js";

export interface PurgeDeps {
  db: Kysely<Database>;
  clock: Clock;
}

export interface PurgeSummary {
  tenants: number;
  calls: number;
  deliveries: number;
}

const DAY_MS = 24 * 3600 * 1000;
const TENANT_PAGE = 200;
const CALL_BATCH = 200;

// Only the one field is read from stored documents (validated in full when they were written).
const RETENTION_KEY = "retentionDays";
const RetentionSchema = z.object({ [RETENTION_KEY]: z.number().int().positive().optional() });

// Where a stored report can still hold conversation content or recording links (the transcript
// and messages were already split into their own columns; legacy copies and artifacts remain).
const CONTENT_KEYS = [
  "transcript",
  "messages",
  "messagesOpenAIFormatted",
  "recordingUrl",
  "stereoRecordingUrl",
  "videoRecordingUrl",
  "recording",
  // Vapi's call log and SIP capture hold the conversation (and the capture, its audio) too.
  "logUrl",
  "pcapUrl",
];

/**
 * The `retention.purge` job: for every tenant with `retentionDays`, removes the transcript, the
 * message history and the recording links of its calls created before the cutoff (columns set
 * to null, the same keys dropped from the stored report JSON, `content_purged_at` set so each
 * call is done once), and deletes its webhook deliveries from before the cutoff, whose bodies
 * carry copies of the same content. Summaries, costs and structured data stay. Idempotent.
 */
export async function purgeExpiredContent(deps: PurgeDeps, ctx: JobContext): Promise<PurgeSummary> {
  const summary: PurgeSummary = { tenants: 0, calls: 0, deliveries: 0 };
  const now = deps.clock.now();
  const nowIso = new Date(now).toISOString();
  let after = "";
  for (;;) {
    const page = await deps.db
      .selectFrom("tenants")
      .select(["id", "document"])
      .where("id", ">", after)
      // Most tenants keep content forever: only documents that name the setting are read (and
      // then parsed). Serialized documents always spell the key out like this; a false match
      // (the word in some text) is parsed and skipped. Reading every document instead put all
      // of them, ~3 KB each, through the JS heap at every run.
      .where("document", "like", `%"${RETENTION_KEY}"%`)
      .orderBy("id")
      .limit(TENANT_PAGE)
      .execute();
    for (const tenant of page) {
      ctx.signal.throwIfAborted();
      const days = readRetentionDays(tenant.document);
      if (days === undefined) continue;
      summary.tenants += 1;
      const cutoffIso = new Date(now - days * DAY_MS).toISOString();
      summary.calls += await purgeCalls(deps.db, tenant.id, cutoffIso, nowIso, ctx.signal);
      const deleted = await deps.db
        .deleteFrom("deliveries")
        .where("tenant_id", "=", tenant.id)
        .where("created_at", "<", cutoffIso)
        .executeTakeFirst();
      summary.deliveries += Number(deleted.numDeletedRows);
    }
    if (page.length < TENANT_PAGE) break;
    after = page[page.length - 1]?.id ?? after;
  }
  ctx.log.info(summary, "retention purge done");
  return summary;
}

async function purgeCalls(
  db: Kysely<Database>,
  tenantId: string,
  cutoffIso: string,
  nowIso: string,
  signal: AbortSignal,
): Promise<number> {
  let purged = 0;
  for (;;) {
    signal.throwIfAborted();
    const batch = await db
      .selectFrom("calls")
      .select(["id", "report"])
      .where("tenant_id", "=", tenantId)
      .where("created_at", "<", cutoffIso)
      .where("content_purged_at", "is", null)
      .limit(CALL_BATCH)
      .execute();
    if (batch.length === 0) return purged;
    // One transaction per batch: a single commit (one fsync on SQLite) for many rows.
    await db.transaction().execute(async (trx) => {
      for (const call of batch) {
        await trx
          .updateTable("calls")
          .set({
            transcript: null,
            messages: null,
            recording_url: null,
            stereo_recording_url: null,
            report: scrubReport(call.report),
            content_purged_at: nowIso,
            updated_at: nowIso,
          })
          .where("tenant_id", "=", tenantId)
          .where("id", "=", call.id)
          .execute();
      }
    });
    purged += batch.length;
  }
}

/**
 * The stored report JSON without conversation content or recording links: the keys above at
 * the top level, in `artifact`, in `call` and in `call.artifact`. Unparseable text is dropped.
 */
export function scrubReport(report: string | null): string | null {
  if (report === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(report);
  } catch {
    return null;
  }
  if (!isRecord(parsed)) return null;
  const call = isRecord(parsed.call) ? parsed.call : undefined;
  for (const holder of [parsed, parsed.artifact, call, call?.artifact]) {
    if (!isRecord(holder)) continue;
    for (const key of CONTENT_KEYS) delete holder[key];
  }
  return JSON.stringify(parsed);
}

function readRetentionDays(document: string): number | undefined {
  try {
    return RetentionSchema.safeParse(JSON.parse(document)).data?.retentionDays;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
