/*
 * The "how fast can this stack go" reference: a bare server that only parses the JSON body and
 * answers what frontdesk would answer in size and shape, started and measured exactly like the
 * real server. No auth, no logging, no validation, no tenant lookup, no storage:
 * - assistant-request: a fixed ~3 KB assistant;
 * - tool-calls: one fixed-text result per entry of `toolCallList`, echoing its id and name
 *   (the load generator checks the ids);
 * - anything else: `{}`, as frontdesk acknowledges informational messages.
 * BASELINE_STACK picks the HTTP layer: `fastify` (default; Fastify's default JSON parser, the
 * stack frontdesk is built on) or `node-http` (Node's own http module, body read and
 * JSON.parse by hand: the floor under any Node.js web framework). `fastify-sqlite` is `fastify`
 * plus the least storage a server can do before it acknowledges (see createMinimalStore): the
 * floor under any server that keeps what Vapi sends, on frontdesk's SQLite settings.
 * `fastify-sqlite-tools` also does, for tool calls, the least data work the two tools of the
 * bench's tool-calls message need (see createMinimalStore): the floor under issue 4's tool-calls
 * target for any server that really records a lead and reads the bookings.
 * Run by bench/run.ts as `node --import tsx bench/baseline-server.ts` with PORT and HOST set.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import process from "node:process";
import Fastify from "fastify";
import SQLite from "better-sqlite3";
import { pino } from "pino";
import { loadConfig } from "../src/config.js";
import { applySqliteSettings } from "../src/db/kysely.js";
import { openDatabaseWith, readExampleTenant } from "./example-database.js";
import { createRequiredWorkFloor } from "./required-work-floor.js";
import { createGroupCommit } from "./sqlite-group-commit.js";

const FAQ = Array.from({ length: 16 }, (_, index) => ({
  question: `Frequently asked question number ${index + 1} about call-out fees and areas?`,
  answer: `Answer ${index + 1}: our standard call-out fee is $99 including GST, covering travel and the first 15 minutes on site.`,
}));
const RESPONSE = JSON.stringify({
  assistant: {
    name: "Baseline receptionist",
    firstMessage: "Thanks for calling, how can I help you today?",
    model: {
      provider: "openai",
      model: "gpt-4o-mini",
      messages: [
        {
          role: "system",
          content: FAQ.map((item) => `${item.question} ${item.answer}`).join("\n"),
        },
      ],
      tools: [{ type: "endCall" }],
    },
    voice: { provider: "deepgram", voiceId: "hyperion", model: "aura-2" },
  },
});

// About the length of frontdesk's spoken create_lead and check_availability results.
const TOOL_RESULT =
  "Done. I have noted that down and the team will call you back shortly; the next free times are listed for you now.";
const BODY_LIMIT_BYTES = 10 * 1024 * 1024;
const PORT = Number(process.env.PORT ?? 0);
const HOST = process.env.HOST ?? "127.0.0.1";

interface BaselineMessage {
  type?: unknown;
  toolCallList?: { id?: unknown; function?: { name?: unknown } }[];
}

/** The answer to a parsed body: the same for both stacks. */
function answerFor(body: unknown): { statusCode: number; json: string } {
  const message = (body as { message?: BaselineMessage } | null)?.message;
  if (typeof message?.type !== "string") return { statusCode: 400, json: '{"error":"bad body"}' };
  if (message.type === "assistant-request") return { statusCode: 200, json: RESPONSE };
  if (message.type === "tool-calls" && Array.isArray(message.toolCallList)) {
    const results = message.toolCallList.map((call) => ({
      toolCallId: call.id,
      name: call.function?.name,
      result: TOOL_RESULT,
    }));
    return { statusCode: 200, json: JSON.stringify({ results }) };
  }
  return { statusCode: 200, json: "{}" };
}

async function startFastify(store?: MinimalStore): Promise<() => Promise<void>> {
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES });
  app.get("/healthz", async () => ({ status: "ok" }));
  app.post("/vapi/webhook", async (request, reply) => {
    const { statusCode, json } = answerFor(request.body);
    if (store !== undefined && statusCode === 200) await store.keep(request.body);
    return reply.status(statusCode).type("application/json; charset=utf-8").send(json);
  });
  await app.listen({ port: PORT, host: HOST });
  return async () => {
    await app.close();
    store?.close();
  };
}

interface MinimalStore {
  /** Resolves once what the body asks to keep is committed. */
  keep(body: unknown): Promise<void>;
  close(): void;
}

interface ReportMessage {
  type: "end-of-call-report";
  endedReason?: unknown;
  startedAt?: unknown;
  endedAt?: unknown;
  durationSeconds?: unknown;
  cost?: unknown;
  costBreakdown?: unknown;
  analysis?: { summary?: unknown; structuredData?: unknown; successEvaluation?: unknown };
  artifact?: {
    transcript?: unknown;
    messages?: unknown;
    recordingUrl?: unknown;
    stereoRecordingUrl?: unknown;
  };
  call?: { id?: unknown };
}

/**
 * Less than frontdesk stores, done the cheapest way SQLite allows, so that a target this misses
 * is out of reach for any server on the machine:
 * - end-of-call-report: one row per call id with the parts the issue names (ended reason, times,
 *   cost and breakdown, summary, structured data, success evaluation, transcript, messages,
 *   recording URLs), `insert or ignore` so a retry changes nothing; no tenant, no rest of the
 *   report, no assistant echo;
 * - tool-calls: one row per tool call, keyed by its id (the idempotency record), holding its
 *   arguments and answer; no lead table, no indexes beyond the key.
 * One prepared statement each, no query builder, and a group commit as frontdesk's (ADR 0010):
 * the writes of one event-loop turn share one transaction, answered after its COMMIT.
 *
 * With `withToolWork`, each tool call also does the least its tool needs of the database, in the
 * same batch: create_lead one upsert of the call's lead (a rowid table with one unique index,
 * `(dialed number, call id)`, so a second create_lead in the call updates it), check_availability
 * one indexed read of the bookings on the asked day. Arguments are read unchecked, the answer
 * stays the fixed text; no lead index for listing, no notification, no slot arithmetic.
 */
function createMinimalStore(file: string, withToolWork: boolean): MinimalStore {
  const sqlite = new SQLite(file);
  applySqliteSettings(sqlite);
  sqlite.exec(`create table if not exists reports (
    call_id text primary key, ended_reason text, started_at text, ended_at text,
    duration_seconds real, cost real, cost_breakdown text, summary text, structured_data text,
    success_evaluation text, transcript text, messages text, recording_url text,
    stereo_recording_url text, received_at text not null)`);
  sqlite.exec(`create table if not exists tool_invocations (
    tool_call_id text primary key, call_id text, name text, arguments text not null,
    result text not null, created_at text not null)`);
  const insertReport = sqlite.prepare(
    "insert or ignore into reports values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const insertInvocation = sqlite.prepare(
    "insert or ignore into tool_invocations values (?, ?, ?, ?, ?, ?)",
  );
  const toolWork = withToolWork ? createToolWork(sqlite) : undefined;
  const text = (value: unknown) => (typeof value === "string" ? value : null);
  const number = (value: unknown) => (typeof value === "number" ? value : null);
  const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

  const batch = createGroupCommit(sqlite);
  const inBatch = (write: () => void): Promise<void> => batch.write(write);

  return {
    keep(body) {
      const message = (body as { message: BaselineMessage | ReportMessage }).message;
      const now = new Date().toISOString();
      if (message.type === "end-of-call-report") {
        const report = message as ReportMessage;
        return inBatch(() => {
          insertReport.run(
            text(report.call?.id),
            text(report.endedReason),
            text(report.startedAt),
            text(report.endedAt),
            number(report.durationSeconds),
            number(report.cost),
            json(report.costBreakdown),
            text(report.analysis?.summary),
            json(report.analysis?.structuredData),
            text(report.analysis?.successEvaluation),
            text(report.artifact?.transcript),
            json(report.artifact?.messages),
            text(report.artifact?.recordingUrl),
            text(report.artifact?.stereoRecordingUrl),
            now,
          );
        });
      }
      const calls = (message as BaselineMessage).toolCallList;
      if (message.type !== "tool-calls" || !Array.isArray(calls)) return Promise.resolve();
      const callId = text((message as ReportMessage).call?.id);
      return inBatch(() => {
        for (const call of calls) {
          insertInvocation.run(
            text(call.id),
            callId,
            text(call.function?.name),
            json((call.function as { arguments?: unknown } | undefined)?.arguments) ?? "{}",
            TOOL_RESULT,
            now,
          );
          toolWork?.run(message as ToolCallsMessage, call, now);
        }
      });
    },
    close() {
      sqlite.close();
    },
  };
}

interface ToolCallsMessage {
  call?: { id?: unknown };
  phoneNumber?: { id?: unknown };
}

/** The least database work of create_lead and check_availability (see createMinimalStore). */
function createToolWork(sqlite: SQLite.Database) {
  sqlite.exec(`create table if not exists leads (
    tenant_key text not null, call_id text not null, name text, callback_number text,
    service text, urgency text, suburb text, notes text, created_at text not null,
    updated_at text not null)`);
  sqlite.exec("create unique index if not exists leads_call on leads (tenant_key, call_id)");
  sqlite.exec(`create table if not exists bookings (
    tenant_key text not null, starts_at text not null, ends_at text not null)`);
  sqlite.exec("create index if not exists bookings_start on bookings (tenant_key, starts_at)");
  const upsertLead = sqlite.prepare(`insert into leads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    on conflict (tenant_key, call_id) do update set name = excluded.name,
      callback_number = coalesce(excluded.callback_number, callback_number),
      service = coalesce(excluded.service, service), urgency = coalesce(excluded.urgency, urgency),
      suburb = coalesce(excluded.suburb, suburb), notes = coalesce(excluded.notes, notes),
      updated_at = excluded.updated_at`);
  const bookingsOn = sqlite.prepare(
    "select starts_at, ends_at from bookings where tenant_key = ? and starts_at >= ? and starts_at < ?",
  );
  const text = (value: unknown) => (typeof value === "string" ? value : null);
  return {
    run(
      message: ToolCallsMessage,
      call: { function?: { name?: unknown; arguments?: unknown } },
      now: string,
    ): void {
      const tenantKey = text(message.phoneNumber?.id) ?? "";
      const args = (call.function?.arguments ?? {}) as Record<string, unknown>;
      if (call.function?.name === "create_lead") {
        upsertLead.run(
          tenantKey,
          text(message.call?.id) ?? "",
          text(args.name),
          text(args.callbackNumber),
          text(args.service),
          text(args.urgency),
          text(args.suburb),
          text(args.notes),
          now,
          now,
        );
      } else if (call.function?.name === "check_availability") {
        const day = text(args.date) ?? now.slice(0, 10);
        bookingsOn.all(tenantKey, day, `${day}\uffff`);
      }
    },
  };
}

async function startNodeHttp(): Promise<() => Promise<void>> {
  const send = (response: ServerResponse, statusCode: number, json: string) => {
    response.writeHead(statusCode, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(json),
    });
    response.end(json);
  };
  const onWebhook = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    let length = 0;
    request.on("data", (chunk: Buffer) => {
      length += chunk.length;
      if (length <= BODY_LIMIT_BYTES) chunks.push(chunk);
    });
    request.on("end", () => {
      if (length > BODY_LIMIT_BYTES) return send(response, 413, '{"error":"too large"}');
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks, length).toString("utf8"));
      } catch {
        return send(response, 400, '{"error":"bad json"}');
      }
      const { statusCode, json } = answerFor(body);
      send(response, statusCode, json);
    });
  };
  const server = createServer({ keepAliveTimeout: 72_000 }, (request, response) => {
    const path = request.url?.split("?")[0];
    if (request.method === "POST" && path === "/vapi/webhook") return onWebhook(request, response);
    if (request.method === "GET" && path === "/healthz")
      return send(response, 200, '{"status":"ok"}');
    send(response, 404, '{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(PORT, HOST, resolve));
  return () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeIdleConnections();
    });
}

/**
 * The required-work floor (bench/required-work-floor.ts) behind Fastify: the raw body, as
 * frontdesk reads it, frontdesk's schema and the example tenant in a fresh file, the log line to
 * stdout as frontdesk's canonical line goes.
 */
async function startRequiredWorkFloor(file: string): Promise<() => Promise<void>> {
  const secret = process.env.VAPI_SECRET;
  if (secret === undefined)
    throw new Error("BASELINE_STACK=fastify-sqlite-required needs VAPI_SECRET");
  const tenant = await readExampleTenant();
  await (await openDatabaseWith(file, tenant)).close();
  const floor = createRequiredWorkFloor({
    file,
    tenants: [tenant],
    auth: loadConfig({ VAPI_SECRET: secret }).auth,
    log: pino({ level: "info" }),
  });
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES });
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => {
    done(null, body);
  });
  app.get("/healthz", async () => ({ status: "ok" }));
  let requests = 0;
  app.post("/vapi/webhook", async (request, reply) => {
    requests += 1;
    const { statusCode, json } = await floor.answer(
      request.body as Buffer,
      request.headers,
      `req-${requests}`,
    );
    return reply.status(statusCode).type("application/json; charset=utf-8").send(json);
  });
  await app.listen({ port: PORT, host: HOST });
  return async () => {
    await app.close();
    floor.close();
  };
}

const STACKS = [
  "fastify",
  "node-http",
  "fastify-sqlite",
  "fastify-sqlite-tools",
  "fastify-sqlite-required",
];
const stack = process.env.BASELINE_STACK ?? "fastify";
if (!STACKS.includes(stack)) {
  throw new Error(`BASELINE_STACK must be one of ${STACKS.join(", ")}, not ${stack}`);
}
const storing = stack.startsWith("fastify-sqlite");
const sqliteFile = process.env.BASELINE_SQLITE_FILE;
if (storing && sqliteFile === undefined) {
  throw new Error(`BASELINE_STACK=${stack} needs BASELINE_SQLITE_FILE`);
}
const close = await (stack === "node-http"
  ? startNodeHttp()
  : stack === "fastify-sqlite-required" && sqliteFile !== undefined
    ? startRequiredWorkFloor(sqliteFile)
    : startFastify(
        storing && sqliteFile !== undefined
          ? createMinimalStore(sqliteFile, stack === "fastify-sqlite-tools")
          : undefined,
      ));

process.once("SIGTERM", () => {
  close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
