import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { parseTenantFile } from "../../src/tenants/parse-tenant-file.js";
import type { Tenant } from "../../src/tenants/tenant-document.js";
import { createRequestSigning } from "../../src/simulator/sign-request.js";
import { simulateCall, type SimulationReport } from "../../src/simulator/simulate-call.js";
import type { ScenarioName } from "../../src/simulator/scenario.js";
import { assistantRequest } from "../fixtures/vapi/builders.js";
import { endOfCallReport } from "../fixtures/vapi/end-of-call-report.js";
import { callTo } from "../fixtures/vapi/conversation.js";
import { statusUpdate } from "../fixtures/vapi/status-update.js";
import { readCall, readStatusEvents } from "../helpers/call-rows.js";
import { createTenant } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/start-server.js";
import { availableStores } from "../helpers/test-database.js";

const stores = await availableStores();
const HMAC_SECRET = "simulator-hmac-key-0123456789";
const SHARED_SECRET = "simulator-shared-secret-0123";
const EXAMPLE = fileURLToPath(
  new URL("../../examples/tenants/harbourside-plumbing.yaml", import.meta.url),
);

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});
function tempFile(name: string, content: string): string {
  const folder = mkdtempSync(join(tmpdir(), "frontdesk-sim-"));
  folders.push(folder);
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

interface CliRun {
  code: number;
  out: string;
  err: string;
}

async function cli(argv: string[], env: Record<string, string>): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, env, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

function expectClean(report: SimulationReport): void {
  const problems = report.events.flatMap((event) =>
    event.kind === "warning" ? [event.text] : event.exchange.violations,
  );
  expect(problems).toEqual([]);
}

describe.each(stores)("simulated calls against a real server (%s)", (store) => {
  let server: TestServer;
  let tenant: Tenant;
  const simulate = (
    scenario: ScenarioName,
    extra: { duplicates?: boolean; outOfOrder?: boolean } = {},
  ) =>
    simulateCall({
      url: server.url,
      number: tenant.phoneNumbers[0]?.number ?? "",
      scenario,
      sign: createRequestSigning(server.config.auth).sign,
      ...extra,
    });

  beforeAll(async () => {
    server = await startTestServer({ store, env: { VAPI_HMAC_SECRET: HMAC_SECRET } });
    tenant = await createTenant(server.deps);
  });
  afterAll(async () => {
    await server.close();
  });

  /** This tenant's rows of one table for one call, read straight from the database. */
  const rowsFor = async (
    table: "bookings" | "leads" | "messages" | "transfers",
    callId: string,
  ) => {
    const result = await sql<Record<string, unknown>>`
      select * from ${sql.table(table)} where tenant_id = ${tenant.id} and call_id = ${callId}
    `.execute(server.deps.db);
    return result.rows;
  };

  it("booking: finds a free slot, books it and records the lead and the call", async () => {
    const report = await simulate("booking");
    expectClean(report);
    expect(report.toolAnswers.map((answer) => [answer.name, answer.ok])).toEqual([
      ["check_availability", true],
      ["book_appointment", true],
      ["create_lead", true],
    ]);

    const bookings = await rowsFor("bookings", report.callId);
    expect(bookings).toHaveLength(1);
    expect(bookings[0]).toMatchObject({ name: "Daniel Nguyen", service: "Blocked drains" });
    const leads = await rowsFor("leads", report.callId);
    expect(leads).toEqual([
      expect.objectContaining({ name: "Daniel Nguyen", urgency: "this_week" }),
    ]);
    const call = await readCall(server, report.callId);
    expect(call).toMatchObject({
      tenant_id: tenant.id,
      status: "ended",
      ended_reason: "customer-ended-call",
    });
    expect(call?.report_received_at).not.toBeNull();
  });

  it("emergency: the trigger is transferred to the escalation number and recorded", async () => {
    const report = await simulate("emergency");
    expectClean(report);
    const transfer = report.events.find(
      (event) =>
        event.kind === "exchange" && event.exchange.type === "transfer-destination-request",
    );
    expect(transfer?.kind === "exchange" ? transfer.exchange.json : undefined).toMatchObject({
      destination: { type: "number", number: tenant.escalation?.number },
    });

    const transfers = await rowsFor("transfers", report.callId);
    expect(transfers).toEqual([
      expect.objectContaining({
        kind: "emergency",
        destination_number: tenant.escalation?.number,
        reason: "gas smell",
      }),
    ]);
    const call = await readCall(server, report.callId);
    expect(call).toMatchObject({ status: "ended", ended_reason: "assistant-forwarded-call" });
    const statuses = (await readStatusEvents(server, report.callId)).map((event) => event.status);
    expect(statuses).toEqual(expect.arrayContaining(["in-progress", "forwarding", "ended"]));
  });

  it("message: take_message stores the message for the team", async () => {
    const report = await simulate("message");
    expectClean(report);
    const messages = await rowsFor("messages", report.callId);
    expect(messages).toEqual([
      expect.objectContaining({ name: "Sam Taylor", callback_number: "+61491570156" }),
    ]);
    expect(messages[0]?.message).toMatch(/hot water system/);
  });

  it("faq: the knowledge base and answer_question both answer from the tenant's FAQ", async () => {
    const report = await simulate("faq");
    expectClean(report);
    const fee = tenant.faq[0]?.answer ?? "";
    expect(fee).toMatch(/call-out fee/);
    expect(report.toolAnswers).toEqual([
      expect.objectContaining({
        name: "answer_question",
        ok: true,
        text: expect.stringContaining(fee),
      }),
    ]);
    const knowledge = report.events.find(
      (event) => event.kind === "exchange" && event.exchange.type === "knowledge-base-request",
    );
    expect(knowledge?.kind === "exchange" ? knowledge.exchange.json : undefined).toMatchObject({
      documents: [expect.objectContaining({ content: fee })],
    });
    expect((await readCall(server, report.callId))?.report_received_at).not.toBeNull();
  });

  it("duplicates and out-of-order reports: still one booking, one lead, and the call ends", async () => {
    const report = await simulate("booking", { duplicates: true, outOfOrder: true });
    expectClean(report);
    expect(
      report.events.filter(
        (event) => event.kind === "exchange" && event.label.endsWith("(duplicate)"),
      ).length,
    ).toBeGreaterThan(5);
    expect(await rowsFor("bookings", report.callId)).toHaveLength(1);
    expect(await rowsFor("leads", report.callId)).toHaveLength(1);
    const call = await readCall(server, report.callId);
    // The late in-progress update must not move the call back from ended.
    expect(call).toMatchObject({ status: "ended", ended_reason: "customer-ended-call" });
  });

  it("a second booking call gets a different free slot", async () => {
    const first = await simulate("booking");
    const second = await simulate("booking");
    expectClean(second);
    const [a] = await rowsFor("bookings", first.callId);
    const [b] = await rowsFor("bookings", second.callId);
    expect(a?.slot_start).toBeDefined();
    expect(b?.slot_start).toBeDefined();
    expect(a?.slot_start).not.toBe(b?.slot_start);
  });
});

describe("frontdesk simulate (CLI) against the example tenant", () => {
  let server: TestServer;
  const env = { VAPI_SECRET: SHARED_SECRET };
  beforeAll(async () => {
    server = await startTestServer({ env });
    const parsed = parseTenantFile(readFileSync(EXAMPLE, "utf8"), EXAMPLE);
    if (!parsed.ok) throw new Error("the example tenant does not parse");
    await server.deps.tenants.upsertMany(parsed.tenants, new Date().toISOString());
  });
  afterAll(async () => {
    await server.close();
  });

  it("plays every scenario, prints what came back and exits 0", async () => {
    const run = await cli(
      ["simulate", "--url", server.url, "--number", "+61255501234", "--scenario", "all"],
      env,
    );
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toContain('first message: "Thanks for calling Harbourside Plumbing');
    expect(run.out).toMatch(/prompt: \d+ characters/);
    expect(run.out).toMatch(/book_appointment → Booked for Daniel Nguyen/);
    expect(run.out).toContain("transfer to number +61491570157");
    expect(run.out).toMatch(/take_message → Message saved/);
    expect(run.out).toMatch(/answer_question → Our standard call-out fee is \$99/);
    for (const scenario of ["booking", "emergency", "message", "faq"]) {
      expect(run.out).toMatch(
        new RegExp(`✓ ${scenario}: \\d+ request\\(s\\), no protocol violations`),
      );
    }
  });

  it("signs with a bearer token when asked, and fails (exit 1) when the server rejects it", async () => {
    const ok = await cli(
      [
        "simulate",
        "--url",
        server.url,
        "--number",
        "+61255501234",
        "--scenario",
        "message",
        "--auth",
        "bearer",
      ],
      env,
    );
    expect(ok.code).toBe(0);
    const unsigned = await cli(
      ["simulate", "--url", server.url, "--number", "+61255501234", "--auth", "none"],
      env,
    );
    expect(unsigned.code).toBe(1);
    expect(unsigned.out).toMatch(/PROTOCOL VIOLATION: status 401/);
  });

  it("prints the report as JSON with --json", async () => {
    const run = await cli(
      ["simulate", "--url", server.url, "--number", "+61255501234", "--scenario", "faq", "--json"],
      env,
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.out) as SimulationReport;
    expect(report).toMatchObject({ scenario: "faq", violations: 0 });
  });

  it("rejects bad usage with exit code 2 and the command's usage", async () => {
    const run = await cli(["simulate", "--url", server.url], env);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/--number is required/);
    expect(run.err).toMatch(/Usage: frontdesk simulate/);
    expect((await cli(["simulate", "--number", "+61255501234", "--bogus"], env)).code).toBe(2);
  });
});

/** A tiny server that answers like a broken frontdesk would. */
async function startFakeServer(
  answer: (type: string, message: Record<string, unknown>) => { status?: number; body: unknown },
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const message = (
        JSON.parse(Buffer.concat(chunks).toString("utf8")) as { message: Record<string, unknown> }
      ).message;
      const { status = 200, body } = answer(String(message.type), message);
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const GOOD_ASSISTANT = {
  assistant: {
    name: "Broken Plumbing receptionist",
    firstMessage: "Hello?",
    model: {
      provider: "openai",
      model: "gpt-4o-mini",
      messages: [{ role: "system", content: "Hi." }],
      tools: [],
    },
  },
};

describe("protocol violations are detected", () => {
  const fakes: { close: () => Promise<void> }[] = [];
  afterAll(async () => {
    for (const fake of fakes) await fake.close();
  });

  it("fails loudly when tool results come back in the wrong order and with line breaks", async () => {
    const fake = await startFakeServer((type, message) => {
      if (type === "assistant-request") return { body: GOOD_ASSISTANT };
      if (type === "tool-calls") {
        const calls = message.toolCallList as { id: string; function: { name: string } }[];
        if (calls.length === 1) {
          const [call] = calls;
          const result = "Free: Tuesday 1 December (2026-12-01): 9:00 am.";
          return {
            body: { results: [{ toolCallId: call?.id, name: call?.function.name, result }] },
          };
        }
        // book_appointment and create_lead in one message: answered in reverse, over two lines.
        return {
          body: {
            results: [...calls].reverse().map((call) => ({
              toolCallId: call.id,
              name: call.function.name,
              result: "Line one\nline two",
            })),
          },
        };
      }
      return { body: {} };
    });
    fakes.push(fake);

    const run = await cli(
      ["simulate", "--url", fake.url, "--number", "+61255501234", "--auth", "none"],
      {},
    );
    expect(run.code).toBe(1);
    expect(run.out).toMatch(
      /PROTOCOL VIOLATION: results\[0\]\.toolCallId is "call_\w+", expected "call_\w+"/,
    );
    expect(run.out).toMatch(/PROTOCOL VIOLATION: results\[0\]\.result contains a line break/);
    expect(run.out).toMatch(/✗ booking: \d+ request\(s\), \d+ PROTOCOL VIOLATION\(S\)/);
  });

  it("reports a missing assistant, a 500 on an informational message and an empty error", async () => {
    const fake = await startFakeServer((type, message) => {
      if (type === "assistant-request") return { body: {} };
      if (type === "status-update") return { status: 500, body: { error: "boom" } };
      if (type === "tool-calls") {
        const calls = message.toolCallList as { id: string }[];
        return { body: { results: calls.map((call) => ({ toolCallId: call.id, error: " " })) } };
      }
      return { body: {} };
    });
    fakes.push(fake);

    const report = await simulateCall({
      url: fake.url,
      number: "+61255501234",
      scenario: "message",
      sign: () => ({}),
    });
    const violations = report.events.flatMap((event) =>
      event.kind === "exchange" ? event.exchange.violations : [],
    );
    expect(violations).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^body: must contain one of assistant, assistantId/),
        "status 500: informational messages must get a 2xx",
        "results[0].error is empty",
      ]),
    );
    expect(report.violations).toBe(violations.length);
  });

  it("reports a server that cannot be reached", async () => {
    const fake = await startFakeServer(() => ({ body: {} }));
    const url = fake.url;
    await fake.close();
    const report = await simulateCall({
      url,
      number: "+61255501234",
      scenario: "faq",
      sign: () => ({}),
    });
    expect(report.violations).toBe(1);
    expect(report.events).toHaveLength(1);
    expect(
      report.events[0]?.kind === "exchange" ? report.events[0].exchange.violations[0] : "",
    ).toMatch(/^no answer from /);
  });
});

describe("frontdesk replay and frontdesk sign", () => {
  let server: TestServer;
  let tenant: Tenant;
  const env = { VAPI_HMAC_SECRET: HMAC_SECRET };
  beforeAll(async () => {
    server = await startTestServer({ env });
    tenant = await createTenant(server.deps);
  });
  afterAll(async () => {
    await server.close();
  });

  it("replays a captured call file in order and the server stores it", async () => {
    const parties = callTo(tenant);
    const file = tempFile(
      "call.json",
      JSON.stringify([
        assistantRequest(parties),
        statusUpdate(parties, "in-progress"),
        // A bare message, as the Vapi dashboard shows it.
        statusUpdate(parties, "ended", { endedReason: "customer-ended-call" }).message,
        endOfCallReport(parties),
      ]),
    );
    const run = await cli(["replay", file, "--url", server.url], env);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/Replaying 4 payload\(s\)/);
    expect(run.out).toMatch(/→ assistant-request .*200/);
    expect(run.out).toMatch(/→ end-of-call-report .*200/);
    expect(run.out).toMatch(/✓ replay: 4 request\(s\), no protocol violations/);
    const call = await readCall(server, parties.callId);
    expect(call).toMatchObject({ tenant_id: tenant.id, status: "ended" });
    expect(call?.report_received_at).not.toBeNull();
  });

  it("replays NDJSON with fresh call ids, so the captured call is stored again under a new id", async () => {
    const parties = callTo(tenant);
    const file = tempFile(
      "log.ndjson",
      [statusUpdate(parties, "in-progress"), statusUpdate(parties, "ended")]
        .map((p) => JSON.stringify(p))
        .join("\n"),
    );
    const run = await cli(["replay", file, "--url", server.url, "--fresh-call-ids"], env);
    expect(run.code).toBe(0);
    expect(await readCall(server, parties.callId)).toBeUndefined();
    const rows = await server.deps.db
      .selectFrom("calls")
      .selectAll()
      .where("tenant_id", "=", tenant.id)
      .execute();
    expect(rows.some((row) => row.status === "ended" && row.id !== parties.callId)).toBe(true);
  });

  it("exits 2 without sending anything when a file is not a Vapi payload", async () => {
    const file = tempFile("bad.json", JSON.stringify({ hello: "world" }));
    const run = await cli(["replay", file, "--url", server.url], env);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/not a Vapi payload/);
  });

  it("prints headers that the server accepts for exactly that body (curl equivalent)", async () => {
    const rawBody = `${JSON.stringify(assistantRequest(callTo(tenant)), null, 2)}\n`;
    const file = tempFile("body.json", rawBody);
    const run = await cli(["sign", file], env);
    expect(run.code).toBe(0);
    const headers = Object.fromEntries(
      run.out.split("\n").map((line) => {
        const at = line.indexOf(": ");
        return [line.slice(0, at), line.slice(at + 2)];
      }),
    );
    expect(Object.keys(headers).sort()).toEqual(["content-type", "x-signature", "x-timestamp"]);

    const response = await fetch(`${server.url}/vapi/webhook`, {
      method: "POST",
      headers,
      body: readFileSync(file),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty("assistant");

    const tampered = await fetch(`${server.url}/vapi/webhook`, {
      method: "POST",
      headers,
      body: rawBody.replace("assistant-request", "status-update"),
    });
    expect(tampered.status).toBe(401);
  });

  it("prints a whole curl command with --curl", async () => {
    const file = tempFile("body.json", JSON.stringify(statusUpdate(callTo(tenant), "queued")));
    const run = await cli(["sign", file, "--curl", server.url], env);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(
      new RegExp(
        `^curl -sS '${server.url}/vapi/webhook' -H 'content-type: application/json' -H 'x-signature: [0-9a-f]{64}' -H 'x-timestamp: \\d+' --data-binary '@${file}'$`,
      ),
    );
  });

  it("signs with a shared secret when that is what is configured", async () => {
    const run = await cli(["sign", tempFile("b.json", "{}")], { VAPI_SECRET: SHARED_SECRET });
    expect(run.out.split("\n")).toEqual([
      "content-type: application/json",
      `x-vapi-secret: ${SHARED_SECRET}`,
    ]);
    const bearer = await cli(["sign", tempFile("b.json", "{}"), "--auth", "bearer"], {
      VAPI_SECRET: SHARED_SECRET,
    });
    expect(bearer.out).toContain(`authorization: Bearer ${SHARED_SECRET}`);
  });

  it("refuses to sign when no credential is configured", async () => {
    const run = await cli(["sign", tempFile("b.json", "{}")], {});
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/nothing to sign with/);
  });
});
