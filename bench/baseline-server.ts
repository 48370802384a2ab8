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
 * JSON.parse by hand: the floor under any Node.js web framework).
 * Run by bench/run.ts as `node --import tsx bench/baseline-server.ts` with PORT and HOST set.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import process from "node:process";
import Fastify from "fastify";

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

async function startFastify(): Promise<() => Promise<void>> {
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES });
  app.get("/healthz", async () => ({ status: "ok" }));
  app.post("/vapi/webhook", async (request, reply) => {
    const { statusCode, json } = answerFor(request.body);
    return reply.status(statusCode).type("application/json; charset=utf-8").send(json);
  });
  await app.listen({ port: PORT, host: HOST });
  return () => app.close();
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

const stack = process.env.BASELINE_STACK ?? "fastify";
if (stack !== "fastify" && stack !== "node-http") {
  throw new Error(`BASELINE_STACK must be fastify or node-http, not ${stack}`);
}
const close = await (stack === "fastify" ? startFastify() : startNodeHttp());

process.once("SIGTERM", () => {
  close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
