import type { Vapi } from "@vapi-ai/server-sdk";
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { toolCalls } from "../../fixtures/vapi/builders.js";
import { callTo, newToolCallId } from "../../fixtures/vapi/conversation.js";
import { endOfCallReport } from "../../fixtures/vapi/end-of-call-report.js";
import { createTenant } from "../../helpers/factories.js";
import {
  createProcessDatabase,
  startServerProcess,
  type ProcessDatabase,
  type ServerProcess,
} from "../../helpers/server-process.js";
import { availableStores } from "../../helpers/test-database.js";
import { killTsxProcesses } from "../../helpers/tsx-process.js";
import { newWebhookSecret } from "../jobs/notify-fixtures.js";

/*
 * kill -9 under load, then a restart on the same database and Vapi-style resends of whatever
 * was not acknowledged. What was acknowledged must have been durable; what is resent must not
 * be done twice.
 */

const stores = await availableStores();
const SECRET = "kill-9-test-secret-3f7a1c";
const CONCURRENCY = 20;
// Load runs this long after the first acknowledgement before the server is killed.
const KILL_AFTER_MS = 2000;
const REQUEST_TIMEOUT_MS = 20_000;
const SLOT_MINUTES = 15;

type Kind = "report" | "lead" | "booking";

interface Op {
  kind: Kind;
  /** The report's call id, or the tool call id. */
  key: string;
  callId: string;
  body: string;
  /** book_appointment only: the slot's start, ISO UTC. */
  slotIso?: string;
}

interface Answer {
  op: Op;
  phase: "before-kill" | "after-restart";
  status: number | undefined;
  /** The tool call's entry (tool kinds, 2xx only). */
  entry?: { result?: string | undefined; error?: string | undefined };
  failure?: string;
}

/** Free 15-minute slots from tomorrow on (UTC tenant, open 06:00-22:00 every day). */
function upcomingSlots(days: number): DateTime[] {
  const slots: DateTime[] = [];
  const first = DateTime.utc().startOf("day").plus({ days: 1 });
  for (let day = 0; day < days; day += 1) {
    for (let minutes = 6 * 60; minutes < 22 * 60; minutes += SLOT_MINUTES) {
      slots.push(first.plus({ days: day, minutes }));
    }
  }
  return slots;
}

async function send(server: ServerProcess, op: Op, phase: Answer["phase"]): Promise<Answer> {
  try {
    const response = await fetch(`${server.url}/vapi/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-vapi-secret": SECRET },
      body: op.body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    const answer: Answer = { op, phase, status: response.status };
    if (response.ok && op.kind !== "report") {
      const results = (JSON.parse(text) as Vapi.ServerMessageResponseToolCalls).results ?? [];
      const entry = results.find((item) => item.toolCallId === op.key);
      answer.entry = { result: entry?.result, error: entry?.error };
    }
    return answer;
  } catch (error) {
    return { op, phase, status: undefined, failure: String(error) };
  }
}

const is2xx = (answer: Answer) =>
  answer.status !== undefined && answer.status >= 200 && answer.status < 300;

describe.each(stores)("kill -9 under load, then restart (%s)", (store) => {
  let database: ProcessDatabase;
  let tenant: Tenant;
  const serverEnv = () => ({
    DATABASE_URL: database.url,
    VAPI_SECRET: SECRET,
    // Vapi's own tool timeout is 20 s; the test measures durability, not latency on a busy box.
    TOOL_CALL_BUDGET_MS: "20000",
    // The follow-up jobs stay in the jobs table, to be counted (nothing runs them here).
    RUN_WORKERS: "false",
  });

  beforeAll(async () => {
    database = await createProcessDatabase(store);
    // Through the test's own connection, as `frontdesk tenants import` would, before any server runs.
    tenant = await createTenant(database.deps, {
      timezone: "UTC",
      hours: {
        mon: ["06:00-22:00"],
        tue: ["06:00-22:00"],
        wed: ["06:00-22:00"],
        thu: ["06:00-22:00"],
        fri: ["06:00-22:00"],
        sat: ["06:00-22:00"],
        sun: ["06:00-22:00"],
      },
      closures: [],
      booking: { slotMinutes: SLOT_MINUTES },
      // Reports and new leads queue a notification job each (never run in this test).
      notify: { webhookUrl: "https://tenant.example.invalid/hooks", secret: newWebhookSecret() },
    });
  });
  afterAll(async () => {
    await killTsxProcesses();
    await database?.drop();
  });

  it("keeps every acknowledged write and does nothing twice when resent after a restart", async () => {
    const slots = upcomingSlots(5);
    let slotIndex = 0;
    let sequence = 0;
    const ops: Op[] = [];
    const queued: Op[] = [];
    const sentToolOps: Op[] = [];

    const newOp = (kind: Kind, callId: string, key: string, body: unknown, slotIso?: string) => {
      const op: Op = {
        kind,
        key,
        callId,
        body: JSON.stringify(body),
        ...(slotIso === undefined ? {} : { slotIso }),
      };
      ops.push(op);
      return op;
    };
    /** The next request a call would make: reports, leads, racing bookings, retries. */
    const nextOp = (): Op => {
      const waiting = queued.shift();
      if (waiting !== undefined) return waiting;
      sequence += 1;
      const parties = callTo(tenant);
      switch (sequence % 4) {
        case 0:
          return newOp("report", parties.callId, parties.callId, endOfCallReport(parties));
        case 1: {
          const id = newToolCallId();
          const args = { name: `Caller ${sequence}`, service: "Blocked drains", urgency: "today" };
          return newOp(
            "lead",
            parties.callId,
            id,
            toolCalls(parties, [{ id, name: "create_lead", args }]),
          );
        }
        case 2: {
          // Three callers want the same slot at once: three calls, three tool call ids.
          const slot = slots[slotIndex % slots.length];
          slotIndex += 1;
          if (slot === undefined) throw new Error("no slots");
          const start = slot.toFormat("yyyy-MM-dd HH:mm");
          const race = [0, 1, 2].map((index) => {
            const caller = callTo(tenant);
            const id = newToolCallId();
            const args = { start, name: `Booker ${sequence}.${index}` };
            return newOp(
              "booking",
              caller.callId,
              id,
              toolCalls(caller, [{ id, name: "book_appointment", args }]),
              slot.toISO() ?? "",
            );
          });
          queued.push(...race.slice(1));
          return race[0] as Op;
        }
        default: {
          // Vapi retrying a tool call it sent before (maybe still in flight): same bytes.
          const earlier = sentToolOps[Math.floor(Math.random() * sentToolOps.length)];
          if (earlier === undefined) return nextOp();
          const retry: Op = { ...earlier };
          ops.push(retry);
          return retry;
        }
      }
    };

    const answers: Answer[] = [];
    let server = await startServerProcess(serverEnv());
    let killed = false;
    let killTimer: NodeJS.Timeout | undefined;
    const firstServer = server;
    const worker = async () => {
      while (!killed) {
        const op = nextOp();
        if (op.kind !== "report") sentToolOps.push(op);
        const answer = await send(firstServer, op, "before-kill");
        answers.push(answer);
        if (is2xx(answer) && killTimer === undefined) {
          killTimer = setTimeout(() => {
            killed = true;
            firstServer.signal("SIGKILL");
          }, KILL_AFTER_MS);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(await firstServer.exited).toEqual({ code: null, signal: "SIGKILL" });

    const before = answers.filter((answer) => answer.phase === "before-kill");
    const ackedBefore = before.filter(is2xx);
    const unacked = before.filter((answer) => !is2xx(answer));
    // Otherwise the kill proved nothing: work was acknowledged, and work was cut off.
    expect(ackedBefore.length).toBeGreaterThan(10);
    expect(unacked.length).toBeGreaterThan(0);
    // Nothing but the kill went wrong: no 4xx/5xx answers, only connection failures.
    expect(unacked.filter((answer) => answer.status !== undefined)).toEqual([]);

    // Restart on the same database; resend what was not acknowledged (and what never left the
    // queue), and once more every tool call that was acknowledged before the kill.
    server = await startServerProcess(serverEnv());
    const resend = [
      ...unacked.map((answer) => answer.op),
      ...queued,
      ...ackedBefore.filter((answer) => answer.op.kind !== "report").map((answer) => answer.op),
    ];
    queued.length = 0;
    const secondServer = server;
    const resender = async () => {
      for (let op = resend.shift(); op !== undefined; op = resend.shift()) {
        // As Vapi would: retry until acknowledged (a few times at most).
        for (let attempt = 0; attempt < 3; attempt += 1) {
          const answer = await send(secondServer, op, "after-restart");
          answers.push(answer);
          if (is2xx(answer)) break;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, resender));
    const after = answers.filter((answer) => answer.phase === "after-restart");
    expect(after.filter((answer) => !is2xx(answer))).toEqual([]);

    const acked = answers.filter(is2xx);
    const ackedOf = (kind: Kind) => acked.filter((answer) => answer.op.kind === kind);

    // Every end-of-call report acknowledged before the kill is stored, and after the resends
    // every report is, each once.
    const reportsBefore = [
      ...new Set(ackedBefore.filter((a) => a.op.kind === "report").map((a) => a.op.key)),
    ];
    const allReports = [...new Set(ops.filter((op) => op.kind === "report").map((op) => op.key))];
    const storedReports = await database.deps.db
      .selectFrom("calls")
      .select("id")
      .where("tenant_id", "=", tenant.id)
      .where("report_received_at", "is not", null)
      .execute();
    const stored = new Set(storedReports.map((row) => row.id));
    expect(reportsBefore.length).toBeGreaterThan(0);
    expect(reportsBefore.filter((id) => !stored.has(id))).toEqual([]);
    expect([...stored].sort()).toEqual([...allReports].sort());

    // Retried tool call ids (during the load, across the kill, after the restart) got the
    // first answer every time.
    const entriesByKey = new Map<string, Answer["entry"][]>();
    for (const answer of acked) {
      if (answer.op.kind === "report") continue;
      entriesByKey.set(answer.op.key, [...(entriesByKey.get(answer.op.key) ?? []), answer.entry]);
    }
    const retried = [...entriesByKey.values()].filter((entries) => entries.length > 1);
    const toolKeysAckedBefore = new Set(
      ackedBefore.filter((answer) => answer.op.kind !== "report").map((answer) => answer.op.key),
    );
    expect(retried.length).toBeGreaterThanOrEqual(toolKeysAckedBefore.size);
    for (const entries of retried) {
      for (const entry of entries) expect(entry).toEqual(entries[0]);
    }

    // Leads: one per call, for exactly the calls whose create_lead was answered "saved".
    const leads = await database.deps.db
      .selectFrom("leads")
      .select(["call_id"])
      .where("tenant_id", "=", tenant.id)
      .execute();
    const leadCalls = leads.map((row) => row.call_id);
    expect(new Set(leadCalls).size).toBe(leadCalls.length);
    const savedLeadCalls = new Set(
      ackedOf("lead")
        .filter((answer) => answer.entry?.result?.startsWith("Lead saved") === true)
        .map((answer) => answer.op.callId),
    );
    expect(new Set(ops.filter((op) => op.kind === "lead").map((op) => op.callId))).toEqual(
      savedLeadCalls,
    );
    expect(new Set(leadCalls)).toEqual(savedLeadCalls);
    // A tool call id was run once: one stored invocation each, never left pending.
    const invocations = await database.deps.db
      .selectFrom("tool_invocations")
      .select(["tool_call_id", "outcome"])
      .where("tenant_id", "=", tenant.id)
      .execute();
    expect(invocations.filter((row) => row.outcome === "pending")).toEqual([]);
    expect(new Set(invocations.map((row) => row.tool_call_id))).toEqual(
      new Set(ops.filter((op) => op.kind !== "report").map((op) => op.key)),
    );

    // Every stored report and lead has its one follow-up job, even where the kill fell between
    // the write and the enqueue (the resend queues it).
    const jobs = await database.deps.db.selectFrom("jobs").select("id").execute();
    const jobIds = jobs.map((row) => row.id);
    const leadIds = await database.deps.db
      .selectFrom("leads")
      .select("id")
      .where("tenant_id", "=", tenant.id)
      .execute();
    expect(new Set(jobIds).size).toBe(jobIds.length);
    expect(new Set(jobIds.filter((id) => !id.startsWith("retention:")))).toEqual(
      new Set([
        ...[...stored].map((callId) => `call-ended:${callId}`),
        ...leadIds.map((row) => `lead-created:${row.id}`),
      ]),
    );

    // Bookings: no slot twice; each booking is a call that was told "Booked", and each call
    // told "Booked" has its booking.
    const bookings = await database.deps.db
      .selectFrom("bookings")
      .select(["slot_start", "call_id"])
      .where("tenant_id", "=", tenant.id)
      .execute();
    const bookedSlots = bookings.map((row) => row.slot_start);
    expect(new Set(bookedSlots).size).toBe(bookedSlots.length);
    const toldBooked = ackedOf("booking").filter(
      (answer) => answer.entry?.result?.startsWith("Booked") === true,
    );
    const toldBookedCalls = new Map(
      toldBooked.map((answer) => [answer.op.callId, answer.op.slotIso]),
    );
    expect(new Map(bookings.map((row) => [row.call_id, row.slot_start]))).toEqual(toldBookedCalls);
    // The races had losers, and they were told so.
    const lost = ackedOf("booking").filter((answer) => answer.entry?.error !== undefined);
    expect(lost.length).toBeGreaterThan(0);
    expect(bookings.length).toBeGreaterThan(0);

    server.signal("SIGTERM");
    expect((await server.exited).code).toBe(0);
  }, 55_000);
});
