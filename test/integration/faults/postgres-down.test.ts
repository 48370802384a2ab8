import { randomUUID } from "node:crypto";
import type { Vapi } from "@vapi-ai/server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type DatabaseHandle } from "../../../src/db/kysely.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { createTenantRepo } from "../../../src/tenants/tenant-repo.js";
import { assistantRequest, toolCalls } from "../../fixtures/vapi/builders.js";
import { endOfCallReport } from "../../fixtures/vapi/end-of-call-report.js";
import { partiesOf } from "../../helpers/call-rows.js";
import { buildTenant } from "../../helpers/factories.js";
import {
  findPostgresBinaries,
  startPrivatePostgres,
  type PrivatePostgres,
} from "../../helpers/private-postgres.js";
import { startServerProcess, type ServerProcess } from "../../helpers/server-process.js";
import { killTsxProcesses } from "../../helpers/tsx-process.js";

/*
 * Issue 6: PostgreSQL stops (pg_ctl stop -m immediate, a crash-like stop) in the middle of a
 * load of real webhooks to a real frontdesk process (src/server.ts in a child process), then
 * comes back. PostgreSQL is a private instance in a temp folder: the shared one is never touched.
 *
 * The three cases run in order on one process and one database: the first drives the outage,
 * the next two check what it left behind.
 */

const SECRET = "postgres-down-test-secret-5e1f";
const FALLBACK_MESSAGE = "Sorry, this line is not available right now. Please call back later.";
const LOAD_CLIENTS = 6;
const UP_MS = 1000;
const DOWN_MS = 3000;
const AFTER_START_MS = 1000;
const RECOVERY_DEADLINE_MS = 15_000;

const bin = findPostgresBinaries();

type Phase = "up" | "stopping" | "down" | "starting" | "back";
type Kind = "assistant-request" | "tool-calls" | "end-of-call-report";

interface Sent {
  kind: Kind;
  callId: string;
  toolCallId?: string;
  /** Phase when the request was sent and when its answer arrived. */
  sentIn: Phase;
  answeredIn: Phase;
  durationMs: number;
  status: number;
  body: unknown;
}

/** A non-empty, single-line sentence the assistant can say. */
function expectSpeakable(text: unknown) {
  expect(typeof text).toBe("string");
  expect(text).toMatch(/^[A-Z][^\r\n\u2028\u2029]*[.!?]$/);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(bin !== undefined)(
  "PostgreSQL stopped mid-load (private instance, frontdesk in a child process)",
  () => {
    let postgres: PrivatePostgres | undefined;
    let server: ServerProcess;
    let tenant: Tenant;
    /** Stored, but never asked for before the outage: not in the server's cache. */
    let uncachedTenant: Tenant;
    let phase: Phase = "up";
    const sent: Sent[] = [];
    let readyWhileDown:
      | {
          status: number;
          body: { status?: string; dependencies?: Record<string, { ok: boolean; error?: string }> };
        }
      | undefined;
    let uncachedWhileDown:
      { status: number; body: Vapi.ServerMessageResponseAssistantRequest } | undefined;

    async function withDatabase<T>(work: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
      if (postgres === undefined) throw new Error("PostgreSQL did not start");
      // A fresh pool each time: no idle connection of ours survives the outage to confuse things.
      const handle = createDatabase({ url: postgres.url, poolSize: 2 });
      try {
        return await work(handle);
      } finally {
        await handle.close();
      }
    }

    /** fetch, failing with what became of the server process when there is no HTTP answer. */
    async function request(path: string, init?: RequestInit): Promise<Response> {
      try {
        return await fetch(`${server.url}${path}`, init);
      } catch (error) {
        const { exitCode, signalCode } = server.child;
        throw new Error(
          `no answer from frontdesk (exit code ${String(exitCode)}, signal ${String(signalCode)}); stderr: ${server.stderr().slice(-3000)}`,
          { cause: error },
        );
      }
    }

    const post = (body: unknown) =>
      request("/vapi/webhook", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` },
        body: JSON.stringify(body),
      });

    async function send(kind: Kind): Promise<Sent> {
      const callId = randomUUID();
      const parties = partiesOf(tenant, callId);
      const toolCallId =
        kind === "tool-calls" ? `call_${randomUUID().replaceAll("-", "").slice(0, 24)}` : undefined;
      const body =
        kind === "assistant-request"
          ? assistantRequest(parties)
          : kind === "tool-calls"
            ? toolCalls(
                parties,
                [
                  {
                    id: toolCallId ?? "",
                    name: "create_lead",
                    args: {
                      name: "Dana Citizen",
                      service: "Blocked drains",
                      urgency: "today",
                      suburb: "Newtown",
                    },
                  },
                ],
                tenant.id,
              )
            : endOfCallReport(parties, { turns: 2 });
      const sentIn = phase;
      const entry = { kind, callId, ...(toolCallId === undefined ? {} : { toolCallId }), sentIn };
      const started = performance.now();
      const answered = () => ({ answeredIn: phase, durationMs: performance.now() - started });
      try {
        const response = await post(body);
        const text = await response.text();
        const parsed = text === "" ? undefined : (JSON.parse(text) as unknown);
        return { ...entry, ...answered(), status: response.status, body: parsed };
      } catch (error) {
        // No HTTP answer at all (the server went away): status 0, which every check rejects.
        return { ...entry, ...answered(), status: 0, body: String(error) };
      }
    }

    beforeAll(async () => {
      if (bin === undefined) return;
      postgres = await startPrivatePostgres(bin);
      server = await startServerProcess({
        NODE_ENV: "production",
        DATABASE_URL: postgres.url,
        VAPI_SECRET: SECRET,
        FALLBACK_MESSAGE,
      });
      tenant = buildTenant();
      uncachedTenant = buildTenant();
      // What `frontdesk tenants import` does, through the same repository, into the server's database.
      await withDatabase((handle) =>
        createTenantRepo(handle.db).upsertMany([tenant, uncachedTenant], new Date().toISOString()),
      );
    }, 60_000);

    afterAll(async () => {
      // Only what this file started, by its own handle; then the private PostgreSQL and its folder.
      await killTsxProcesses();
      await postgres?.destroy();
    });

    it("serves cached tenants, speaks tool errors and refuses unstored reports while PostgreSQL is stopped", async () => {
      if (postgres === undefined) throw new Error("PostgreSQL did not start");
      // Warm the cache: this tenant is the "cached tenant" from here on.
      const warm = await send("assistant-request");
      expect(warm.status).toBe(200);
      expect(
        (warm.body as Vapi.ServerMessageResponseAssistantRequest).assistant?.metadata?.tenantId,
      ).toBe(tenant.id);

      let loading = true;
      const kinds: Kind[] = ["assistant-request", "tool-calls", "end-of-call-report"];
      const clients = Array.from({ length: LOAD_CLIENTS }, async (_, client) => {
        for (let turn = client; loading; turn += 1) {
          sent.push(await send(kinds[turn % kinds.length] ?? "assistant-request"));
          await sleep(5);
        }
      });

      try {
        await sleep(UP_MS);
        phase = "stopping";
        await postgres.stop("immediate");
        phase = "down";

        await sleep(DOWN_MS / 2);
        const ready = await request("/readyz");
        readyWhileDown = {
          status: ready.status,
          body: (await ready.json()) as NonNullable<typeof readyWhileDown>["body"],
        };
        const uncached = await post(assistantRequest(partiesOf(uncachedTenant)));
        uncachedWhileDown = {
          status: uncached.status,
          body: (await uncached.json()) as Vapi.ServerMessageResponseAssistantRequest,
        };
        await sleep(DOWN_MS / 2);

        phase = "starting";
        await postgres.start();
        phase = "back";
        await sleep(AFTER_START_MS);
      } finally {
        // Also when something above failed: no load client may outlive this test.
        loading = false;
        await Promise.all(clients);
      }

      // The server process kept running through all of it.
      expect(server.child.exitCode, `server exited; stderr: ${server.stderr()}`).toBeNull();
      expect(server.lines.filter((line) => Number(line.level) >= 60)).toEqual([]);

      const whileDown = sent.filter(
        (entry) => entry.sentIn === "down" && entry.answeredIn === "down",
      );
      for (const kind of kinds) {
        // The outage really happened under load: every kind of message met a stopped database.
        expect(
          whileDown.filter((entry) => entry.kind === kind).length,
          kind,
        ).toBeGreaterThanOrEqual(3);
      }

      // /readyz named the database as the dependency that is down.
      expect(readyWhileDown.status).toBe(503);
      expect(readyWhileDown.body.status).toBe("not-ready");
      expect(readyWhileDown.body.dependencies?.database?.ok).toBe(false);
      expect(readyWhileDown.body.dependencies?.database?.error).toMatch(/\S/);

      // A tenant never cached cannot be looked up: the fallback answers, still with 200.
      expect(uncachedWhileDown.status).toBe(200);
      expect(uncachedWhileDown.body).toEqual({ error: FALLBACK_MESSAGE });

      for (const entry of sent) {
        switch (entry.kind) {
          case "assistant-request": {
            // The cached tenant gets its real assistant in every phase, never the fallback.
            expect(entry.status, JSON.stringify(entry)).toBe(200);
            const body = entry.body as Vapi.ServerMessageResponseAssistantRequest;
            expect(body.error).toBeUndefined();
            expect(body.assistant?.metadata?.tenantId).toBe(tenant.id);
            expect(body.assistant?.model?.provider).toBeDefined();
            // Well inside ASSISTANT_REQUEST_BUDGET_MS (2 s): the outage costs the caller no wait.
            expect(entry.durationMs).toBeLessThan(2000);
            break;
          }
          case "tool-calls": {
            expect(entry.status, JSON.stringify(entry)).toBe(200);
            const { results } = entry.body as Vapi.ServerMessageResponseToolCalls;
            expect(results).toHaveLength(1);
            const [result] = results ?? [];
            expect(result?.toolCallId).toBe(entry.toolCallId);
            // Exactly one of result and error.
            expect(
              (result?.result === undefined) !== (result?.error === undefined),
              JSON.stringify(result),
            ).toBe(true);
            if (result?.error !== undefined) expectSpeakable(result.error);
            if (entry.sentIn === "down" && entry.answeredIn === "down")
              expect(result?.error).toBeDefined();
            break;
          }
          case "end-of-call-report": {
            // Stored and 200, or not stored and 503 for Vapi's backoffPlan: nothing in between.
            expect([200, 503], JSON.stringify(entry)).toContain(entry.status);
            if (entry.status === 503) {
              expect((entry.body as { error?: { code?: string } }).error?.code).toBe(
                "SERVICE_UNAVAILABLE",
              );
            }
            if (entry.sentIn === "down" && entry.answeredIn === "down")
              expect(entry.status).toBe(503);
            break;
          }
        }
      }
      // Before the stop, the load was served normally.
      const before = sent.filter((entry) => entry.answeredIn === "up");
      expect(
        before.some((entry) => entry.kind === "end-of-call-report" && entry.status === 200),
      ).toBe(true);
    }, 40_000);

    it(
      "returns to full service by itself once PostgreSQL is back, without a restart",
      async () => {
        const pid = server.child.pid;
        const deadline = Date.now() + RECOVERY_DEADLINE_MS;
        let tool: Sent | undefined;
        let report: Sent | undefined;
        let readyStatus = 0;
        while (Date.now() < deadline) {
          tool = await send("tool-calls");
          report = await send("end-of-call-report");
          readyStatus = (await request("/readyz")).status;
          const toolOk =
            (tool.body as Vapi.ServerMessageResponseToolCalls).results?.[0]?.result !== undefined;
          if (toolOk && report.status === 200 && readyStatus === 200) break;
          await sleep(250);
        }
        expect(
          (tool?.body as Vapi.ServerMessageResponseToolCalls).results?.[0]?.result,
          JSON.stringify(tool),
        ).toBeDefined();
        expect(report?.status).toBe(200);
        expect(readyStatus).toBe(200);
        expect(server.child.pid).toBe(pid);
        expect(server.child.exitCode).toBeNull();
        if (tool !== undefined) sent.push(tool);
        if (report !== undefined) sent.push(report);

        const ready = (await (await request("/readyz")).json()) as {
          dependencies: Record<string, { ok: boolean }>;
        };
        expect(ready.dependencies.database?.ok).toBe(true);
      },
      RECOVERY_DEADLINE_MS + 5000,
    );

    it("lost nothing it acknowledged, and Vapi's retries store the reports it refused", async () => {
      const reports = sent.filter((entry) => entry.kind === "end-of-call-report");
      const acknowledged = reports
        .filter((entry) => entry.status >= 200 && entry.status < 300)
        .map((entry) => entry.callId);
      const refused = reports.filter((entry) => entry.status >= 300).map((entry) => entry.callId);
      const savedTools = sent.filter(
        (entry) =>
          entry.kind === "tool-calls" &&
          (entry.body as Vapi.ServerMessageResponseToolCalls).results?.[0]?.result !== undefined,
      );
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);

      const storedCalls = (ids: string[]) =>
        withDatabase(async (handle) =>
          ids.length === 0
            ? []
            : (
                await handle.db
                  .selectFrom("calls")
                  .select("id")
                  .where("id", "in", ids)
                  .where("ended_reason", "is not", null)
                  .execute()
              ).map((row) => row.id),
        );
      // Every report answered 2xx is in the database after the crash-like stop and restart.
      expect((await storedCalls(acknowledged)).length).toBe(acknowledged.length);

      // Every tool call answered with a result kept its effect (the invocation and its lead).
      const toolIds = savedTools.map((entry) => entry.toolCallId ?? "");
      const invocations = await withDatabase((handle) =>
        handle.db
          .selectFrom("tool_invocations")
          .select(["tool_call_id", "outcome", "call_id"])
          .where("tenant_id", "=", tenant.id)
          .where("tool_call_id", "in", toolIds)
          .execute(),
      );
      expect(invocations.filter((row) => row.outcome === "ok")).toHaveLength(toolIds.length);
      const leads = await withDatabase((handle) =>
        handle.db
          .selectFrom("leads")
          .select("call_id")
          .where("tenant_id", "=", tenant.id)
          .where(
            "call_id",
            "in",
            savedTools.map((entry) => entry.callId),
          )
          .execute(),
      );
      expect(new Set(leads.map((row) => row.call_id)).size).toBe(savedTools.length);

      // What Vapi's backoffPlan does with the refused ones: send them again; now they are stored.
      for (const callId of refused) {
        const retry = await post(endOfCallReport(partiesOf(tenant, callId), { turns: 2 }));
        expect(retry.status).toBe(200);
      }
      const all = reports.map((entry) => entry.callId);
      expect((await storedCalls(all)).length).toBe(all.length);
    }, 30_000);
  },
);
