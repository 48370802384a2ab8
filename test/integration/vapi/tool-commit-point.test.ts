import { pino } from "pino";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../src/clock.js";
import { loadConfig } from "../../../src/config.js";
import { createDeps, type Deps } from "../../../src/deps.js";
import { createToolRegistry } from "../../../src/tools/registry.js";
import { defineTool, type ToolDefinition } from "../../../src/tools/tool-definition.js";
import { PreparedAssistant } from "../../../src/vapi/build-assistant.js";
import { createToolCallsHandler } from "../../../src/vapi/handlers/tool-calls.js";
import type { HandlerContext } from "../../../src/vapi/handler-context.js";
import { MESSAGE_SCHEMAS } from "../../../src/vapi/messages.js";
import { PreSerialized } from "../../../src/vapi/router.js";
import { toolCalls } from "../../fixtures/vapi/builders.js";
import { buildTenant } from "../../helpers/factories.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.js";

/*
 * The race between a tool's time budget and its commit: once a tool has started to make its
 * work permanent (`ctx.beginCommit()`), the caller must get that outcome, never "took too long"
 * for work that was kept; before that point the budget wins and the work is rolled back. Only
 * the timing of these test tools is staged (no real tool lets a test hold its commit open); the
 * side-effecting one runs through the real registry and idempotent wrapper on real SQLite.
 */

const BUDGET_MS = 100;
const tenant = buildTenant();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reaches its commit point at once, then takes three budgets to finish committing. */
const slowCommit = defineTool({
  name: "slow_commit",
  description: "test tool: a commit that outlasts the budget",
  argsSchema: z.object({}),
  async execute(ctx) {
    if (!ctx.beginCommit()) return { ok: false, error: "abandoned" };
    await sleep(BUDGET_MS * 3);
    return { ok: true, result: "Saved after a slow commit." };
  },
});

/** A side-effecting tool whose work outlasts the budget before it reaches the commit point. */
const slowWork = defineTool({
  name: "slow_work",
  description: "test tool: work that outlasts the budget",
  argsSchema: z.object({}),
  sideEffects: true,
  async execute() {
    await sleep(BUDGET_MS * 3);
    return { ok: true, result: "Saved." };
  },
});

describe("tool budget versus the commit point (sqlite)", () => {
  let database: TestDatabase;
  let deps: Deps;

  beforeAll(async () => {
    database = createTestDatabase("sqlite");
    const config = loadConfig({
      NODE_ENV: "test",
      DATABASE_URL: database.url,
      RUN_WORKERS: "false",
    });
    deps = await createDeps(config);
    await deps.tenants.upsertMany([tenant], new Date().toISOString());
  });
  afterAll(async () => {
    await deps.close();
    await database.drop();
  });

  function context(signal: AbortSignal = new AbortController().signal): HandlerContext {
    return {
      requestId: "req-commit",
      tenant: { tenant, version: 1, prepared: new PreparedAssistant("", 0, 0) },
      callId: "call-commit",
      callerNumber: undefined,
      log: pino({ level: "silent" }),
      clock: systemClock,
      signal,
      get aborted() {
        return signal.aborted;
      },
      annotate: () => undefined,
    };
  }

  async function run(tool: ToolDefinition<unknown>) {
    const handler = createToolCallsHandler({
      registry: createToolRegistry([tool]),
      db: deps.db,
      toolBudgetMs: BUDGET_MS,
      jobs: deps.jobs,
    });
    const message = MESSAGE_SCHEMAS["tool-calls"].parse(
      toolCalls({ callId: "call-commit" }, [{ name: tool.name, args: {} }]).message,
    );
    const response = await handler(message, context());
    if (response instanceof PreSerialized) throw new Error("tool-calls answers are built per call");
    return { entry: response.results?.[0] };
  }

  function invocationsOf(toolName: string) {
    return deps.db
      .selectFrom("tool_invocations")
      .select(["outcome"])
      .where("tenant_id", "=", tenant.id)
      .where("tool_name", "=", toolName)
      .execute();
  }

  it("answers with the kept result when the budget runs out after the commit started", async () => {
    const started = performance.now();
    const { entry } = await run(slowCommit);
    expect(entry).toMatchObject({ result: "Saved after a slow commit." });
    expect(entry?.error).toBeUndefined();
    // It really did outlast the budget: the answer waited for the commit.
    expect(performance.now() - started).toBeGreaterThanOrEqual(BUDGET_MS * 3 - 5);
  });

  it("answers 'took too long' and keeps nothing when the budget runs out before the commit", async () => {
    const { entry } = await run(slowWork);
    expect(entry?.error).toMatch(/took too long/);
    expect(entry?.result).toBeUndefined();
    // Let the abandoned work reach its commit point: it is refused and rolled back, so no
    // invocation row is left behind (a retry runs the tool afresh).
    await sleep(BUDGET_MS * 4);
    expect(await invocationsOf(slowWork.name)).toEqual([]);
  });

  it("keeps nothing when the whole message is abandoned before the commit point", async () => {
    // The tool's own budget is ample: only the message (its budget or a closed connection, via
    // the context's signal) gives up on it while it works.
    const handler = createToolCallsHandler({
      registry: createToolRegistry([slowWork]),
      db: deps.db,
      toolBudgetMs: BUDGET_MS * 10,
      jobs: deps.jobs,
    });
    const message = MESSAGE_SCHEMAS["tool-calls"].parse(
      toolCalls({ callId: "call-commit" }, [{ name: slowWork.name, args: {} }]).message,
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("client closed the connection")), BUDGET_MS);
    const response = await handler(message, context(controller.signal));
    if (response instanceof PreSerialized) throw new Error("tool-calls answers are built per call");
    expect(response.results?.[0]?.error).toMatch(/went wrong/);
    expect(response.results?.[0]?.result).toBeUndefined();
    expect(await invocationsOf(slowWork.name)).toEqual([]);
  });
});
