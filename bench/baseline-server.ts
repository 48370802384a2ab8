/*
 * The "how fast can this stack go" reference: a bare Fastify server that only parses the JSON
 * body (Fastify's default parser) and answers what frontdesk would answer in size and shape,
 * started and measured exactly like the real server. No auth, no logging, no validation, no
 * tenant lookup, no storage:
 * - assistant-request: a fixed ~3 KB assistant;
 * - tool-calls: one fixed-text result per entry of `toolCallList`, echoing its id and name
 *   (the load generator checks the ids);
 * - anything else: `{}`, as frontdesk acknowledges informational messages.
 * Run by bench/run.ts as `node --import tsx bench/baseline-server.ts` with PORT and HOST set.
 */
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

const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
app.get("/healthz", async () => ({ status: "ok" }));
// About the length of frontdesk's spoken create_lead and check_availability results.
const TOOL_RESULT =
  "Done. I have noted that down and the team will call you back shortly; the next free times are listed for you now.";

interface BaselineMessage {
  type?: unknown;
  toolCallList?: { id?: unknown; function?: { name?: unknown } }[];
}

app.post("/vapi/webhook", async (request, reply) => {
  const message = (request.body as { message?: BaselineMessage } | null)?.message;
  if (typeof message?.type !== "string") return reply.status(400).send({ error: "bad body" });
  reply.type("application/json; charset=utf-8");
  if (message.type === "assistant-request") return reply.send(RESPONSE);
  if (message.type === "tool-calls" && Array.isArray(message.toolCallList)) {
    const results = message.toolCallList.map((call) => ({
      toolCallId: call.id,
      name: call.function?.name,
      result: TOOL_RESULT,
    }));
    return reply.send(JSON.stringify({ results }));
  }
  return reply.send("{}");
});

process.once("SIGTERM", () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});

await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? "127.0.0.1" });
