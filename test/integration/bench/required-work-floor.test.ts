import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  dialedTenantOf,
  openDatabaseWith,
  readExampleTenant,
} from "../../../bench/example-database.js";
import { createEndOfCallReportTemplate } from "../../../bench/payloads/end-of-call-report.js";
import { createToolCallsTemplate, TOOL_CALL_IDS } from "../../../bench/payloads/mid-call-bodies.js";
import {
  createRequiredWorkFloor,
  type RequiredWorkFloor,
} from "../../../bench/required-work-floor.js";
import { loadConfig } from "../../../src/config.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";

// The required-work floor is a reference the README's verdict on issue 4 rests on: it must do
// the work it claims, on frontdesk's schema, or its numbers say nothing.

const SECRET = "floor-secret";
const SIGNED = { "x-vapi-secret": SECRET };
let dir: string;
let file: string;
let tenant: Tenant;
let floor: RequiredWorkFloor;
let reader: SQLite.Database;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "frontdesk-floor-"));
  file = join(dir, "floor.db");
  tenant = await readExampleTenant();
  await (await openDatabaseWith(file, tenant)).close();
  floor = createRequiredWorkFloor({
    file,
    tenants: [tenant],
    auth: loadConfig({ VAPI_SECRET: SECRET }).auth,
    log: pino({ level: "silent" }),
  });
  reader = new SQLite(file, { readonly: true });
});

afterEach(async () => {
  reader.close();
  floor.close();
  await rm(dir, { recursive: true, force: true });
});

function toolCallsBody(callId: string, toolCallIds: readonly [string, string]): Buffer {
  const template = createToolCallsTemplate(dialedTenantOf(tenant));
  return Buffer.from(
    template.render({
      CALL_ID: callId,
      [TOOL_CALL_IDS[0]]: toolCallIds[0],
      [TOOL_CALL_IDS[1]]: toolCallIds[1],
    }),
  );
}

interface ToolResult {
  toolCallId: string;
  name: string;
  result?: string;
  error?: string;
}

async function answerTools(body: Buffer): Promise<ToolResult[]> {
  const answer = await floor.answer(body, SIGNED, "req-test");
  expect(answer.statusCode).toBe(200);
  return (JSON.parse(answer.json) as { results: ToolResult[] }).results;
}

describe("the required-work floor", () => {
  it("refuses a wrong or missing secret and stores nothing", async () => {
    const body = toolCallsBody("call-a", ["tc-1", "tc-2"]);
    expect((await floor.answer(body, { "x-vapi-secret": "wrong-secret" }, "r1")).statusCode).toBe(
      401,
    );
    expect((await floor.answer(body, {}, "r2")).statusCode).toBe(401);
    expect(reader.prepare("select count(*) as n from leads").get()).toEqual({ n: 0 });
  });

  it("answers bad JSON and invalid messages with 400", async () => {
    expect((await floor.answer(Buffer.from("{nope"), SIGNED, "r1")).statusCode).toBe(400);
    const invalid = Buffer.from(
      JSON.stringify({ message: { type: "tool-calls", toolCallList: 7 } }),
    );
    expect((await floor.answer(invalid, SIGNED, "r2")).statusCode).toBe(400);
  });

  it("records the lead under the dialed tenant, computes slots, and runs each tool call once", async () => {
    const body = toolCallsBody("call-b", ["tc-lead", "tc-slots"]);
    const first = await answerTools(body);
    expect(first.map((entry) => entry.toolCallId)).toEqual(["tc-lead", "tc-slots"]);
    expect(first[0]?.result).toMatch(
      /^Lead saved for Daniel Nguyen \(Hot water repairs, today\), reference /,
    );
    expect(first[1]?.result).toMatch(/^Free .* appointments \(Australia\/Sydney time\): /);

    const again = await answerTools(body);
    expect(again).toEqual(first);
    expect(reader.prepare("select tenant_id, call_id, name from leads").all()).toEqual([
      { tenant_id: tenant.id, call_id: "call-b", name: "Daniel Nguyen" },
    ]);
    // Only the side-effecting tool keeps an invocation row, as in frontdesk.
    expect(
      reader.prepare("select tool_call_id, tool_name, outcome from tool_invocations").all(),
    ).toEqual([{ tool_call_id: "tc-lead", tool_name: "create_lead", outcome: "ok" }]);

    const correction = await answerTools(toolCallsBody("call-b", ["tc-lead-2", "tc-slots-2"]));
    expect(correction[0]?.result).toMatch(/^Lead updated for Daniel Nguyen/);
    expect(reader.prepare("select count(*) as n from leads").get()).toEqual({ n: 1 });
  });

  it("stores a report once, as frontdesk's call repository does", async () => {
    const template = createEndOfCallReportTemplate({
      tenant: dialedTenantOf(tenant),
      targetBytes: 30 * 1024,
    });
    const body = Buffer.from(template.render({ CALL_ID: "call-r" }));
    expect(await floor.answer(body, SIGNED, "r1")).toEqual({ statusCode: 200, json: "{}" });
    const stored = reader
      .prepare(
        "select tenant_id, status, ended_reason, report_received_at, length(transcript) as t, length(messages) as m from calls where id = ?",
      )
      .get("call-r") as Record<string, unknown>;
    expect(stored).toMatchObject({ tenant_id: tenant.id, status: "ended" });
    expect(stored.ended_reason).toEqual(expect.any(String));
    expect(stored.t).toBeGreaterThan(1000);
    expect(stored.m).toBeGreaterThan(1000);

    expect(await floor.answer(body, SIGNED, "r2")).toEqual({ statusCode: 200, json: "{}" });
    const after = reader
      .prepare("select report_received_at from calls where id = ?")
      .get("call-r") as Record<string, unknown>;
    expect(after.report_received_at).toBe(stored.report_received_at);
  });
});
