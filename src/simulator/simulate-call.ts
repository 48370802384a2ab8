import {
  assistantRequestMessage,
  conversationUpdateMessage,
  endOfCallReportMessage,
  knowledgeBaseRequestMessage,
  newCall,
  newToolCallId,
  statusUpdateMessage,
  toolCallsMessage,
  transferDestinationRequestMessage,
  type Payload,
  type SimulatedCall,
  type ToolCallSent,
  type Turn,
} from "./call-messages.js";
import {
  KnowledgeBaseAnswerSchema,
  ToolCallsAnswerSchema,
  TransferAnswerSchema,
} from "./protocol-checks.js";
import { describeAnswer } from "./describe-answer.js";
import { readAssistantAnswer } from "./read-assistant-answer.js";
import type { AssistantInfo, CallSession, ScenarioName, ToolAnswer } from "./scenario.js";
import { SCENARIOS } from "./scenarios/all-scenarios.js";
import type { RequestSigner } from "./sign-request.js";
import { createWebhookClient, type Exchange } from "./webhook-client.js";

export interface SimulateCallOptions {
  /** Base URL of a frontdesk (`http://127.0.0.1:3000`) or its full webhook URL. */
  url: string;
  /** The dialed number, E.164 (a tenant's number). */
  number: string;
  /** The Vapi phone-number id of that number, when the server keys tenants by it. */
  phoneNumberId?: string | undefined;
  /** The caller. Default +61491570156 (ACMA's fictitious mobile range). */
  callerNumber?: string | undefined;
  scenario: ScenarioName;
  sign: RequestSigner;
  /** Send every message after the assistant-request twice, as a network retry would. */
  duplicates?: boolean | undefined;
  /** End with the report before the `ended` status, then a late `in-progress` status. */
  outOfOrder?: boolean | undefined;
  /** The caller's question in the faq scenario. */
  question?: string | undefined;
  callId?: string | undefined;
  /** Per request. Default 20 000 ms. */
  timeoutMs?: number | undefined;
}

/** One line of the call's story: a request and its answer, or a scenario warning. */
export type SimulationEvent =
  | { kind: "exchange"; label: string; exchange: Exchange; details: string[] }
  | { kind: "warning"; text: string };

export interface SimulationReport {
  scenario: ScenarioName;
  url: string;
  callId: string;
  events: SimulationEvent[];
  /** Every tool answer in call order (duplicates excluded). */
  toolAnswers: ToolAnswer[];
  violations: number;
  warnings: number;
}

const DEFAULT_CALLER = "+61491570156";

/**
 * Plays one whole call against a frontdesk as Vapi would: assistant-request, status updates,
 * conversation updates, the scenario's tool calls and requests, and the end-of-call report.
 * Every answer is checked against the protocol; nothing throws for a bad answer, it is reported.
 */
export async function simulateCall(options: SimulateCallOptions): Promise<SimulationReport> {
  const client = createWebhookClient({
    url: options.url,
    sign: options.sign,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const scenario = SCENARIOS[options.scenario];
  const call: SimulatedCall = newCall({
    number: options.number,
    phoneNumberId: options.phoneNumberId,
    callerNumber: options.callerNumber ?? DEFAULT_CALLER,
    nowMs: Date.now(),
    callId: options.callId,
  });
  const events: SimulationEvent[] = [];
  const toolAnswers: ToolAnswer[] = [];
  const turns: Turn[] = [];
  const say = (role: "assistant" | "user", text: string) =>
    turns.push({ role, text, atMs: Date.now() });
  const warn = (text: string) => events.push({ kind: "warning", text });

  /** Sends, records, and with `duplicates` sends the same bytes again. */
  async function deliver(
    label: string,
    payload: Payload,
    describe: (exchange: Exchange) => string[] = () => [],
    options_: { duplicate?: boolean } = {},
  ): Promise<Exchange> {
    const exchange = await client.send(payload);
    events.push({ kind: "exchange", label, exchange, details: describe(exchange) });
    if ((options_.duplicate ?? options.duplicates) === true) {
      const again = await client.send(payload);
      events.push({
        kind: "exchange",
        label: `${label} (duplicate)`,
        exchange: again,
        details: [],
      });
      if (
        exchange.status === 200 &&
        again.status === 200 &&
        hasAnswer(exchange.type) &&
        again.body !== exchange.body
      ) {
        warn(`the duplicate ${label} was answered differently: ${again.body}`);
      }
    }
    return exchange;
  }

  // 1. The call rings: which assistant answers?
  const first = await deliver(
    "assistant-request",
    assistantRequestMessage(call, Date.now()),
    describeAnswer,
    { duplicate: false },
  );
  if (first.status === 0) return report();
  const reading = readAssistantAnswer(first.json);
  const assistant: AssistantInfo = reading.info;
  call.assistantMetadata = reading.metadata;
  if (assistant.kind !== "assistant" && assistant.kind !== "assistant-id") {
    warn("no assistant was given for this number; the rest of the call is played anyway");
  }
  if (assistant.firstMessage !== undefined) say("assistant", assistant.firstMessage);

  const session: CallSession = {
    call,
    assistant,
    say,
    warn,
    async sendConversationUpdate() {
      await deliver("conversation-update", conversationUpdateMessage(call, turns, Date.now()));
    },
    async sendStatus(status, extra = {}) {
      await deliver(
        `status-update (${status})`,
        statusUpdateMessage(call, status, turns, Date.now(), extra),
      );
    },
    async callTools(calls) {
      const sent: ToolCallSent[] = calls.map((entry) => ({ id: newToolCallId(), ...entry }));
      for (const entry of sent) {
        if (assistant.kind === "assistant" && !assistant.toolNames.includes(entry.name)) {
          warn(`${entry.name} is not among the tools offered to this assistant`);
        }
      }
      turns.push({ role: "tool-calls", calls: sent, atMs: Date.now() });
      const label = `tool-calls ${sent.map((entry) => entry.name).join(", ")}`;
      const exchange = await deliver(
        label,
        toolCallsMessage(call, sent, turns, Date.now()),
        describeAnswer,
      );
      const parsed = ToolCallsAnswerSchema.safeParse(exchange.json);
      const results = parsed.success && exchange.status === 200 ? parsed.data.results : [];
      return sent.map((entry) => {
        const result = results.find((candidate) => candidate.toolCallId === entry.id);
        if (result === undefined) return undefined;
        const answer: ToolAnswer = {
          name: entry.name,
          ok: result.error === undefined,
          text: result.error ?? result.result ?? "",
        };
        toolAnswers.push(answer);
        turns.push({
          role: "tool-result",
          id: entry.id,
          name: entry.name,
          text: answer.text,
          atMs: Date.now(),
        });
        return answer;
      });
    },
    async requestTransfer() {
      // The model called transferCall with no destination, so Vapi asks the server.
      turns.push({
        role: "tool-calls",
        calls: [{ id: newToolCallId(), name: "transferCall", args: {} }],
        atMs: Date.now(),
      });
      const exchange = await deliver(
        "transfer-destination-request",
        transferDestinationRequestMessage(call, turns, Date.now()),
        describeAnswer,
      );
      const parsed = TransferAnswerSchema.safeParse(exchange.json);
      return parsed.success && exchange.status === 200 ? parsed.data : undefined;
    },
    async queryKnowledgeBase() {
      const exchange = await deliver(
        "knowledge-base-request",
        knowledgeBaseRequestMessage(call, turns, Date.now()),
        describeAnswer,
      );
      const parsed = KnowledgeBaseAnswerSchema.safeParse(exchange.json);
      return parsed.success && exchange.status === 200 ? parsed.data : undefined;
    },
  };

  // 2. The assistant picks up; 3. the scenario; 4. hang-up and the report.
  await session.sendStatus("in-progress");
  await scenario.run(session, { question: options.question });
  const reportMessage = () =>
    endOfCallReportMessage(call, turns, scenario.endedReason, scenario.summary, Date.now());
  const ended = { endedReason: scenario.endedReason };
  if (options.outOfOrder === true) {
    await deliver("end-of-call-report (before the ended status)", reportMessage());
    await session.sendStatus("ended", ended);
    await deliver(
      "status-update (in-progress, arriving late)",
      statusUpdateMessage(call, "in-progress", turns, Date.now()),
    );
  } else {
    await session.sendStatus("ended", ended);
    await deliver("end-of-call-report", reportMessage());
  }
  return report();

  function report(): SimulationReport {
    return {
      scenario: options.scenario,
      url: client.url,
      callId: call.id,
      events,
      toolAnswers,
      violations: events.reduce(
        (sum, event) => sum + (event.kind === "exchange" ? event.exchange.violations.length : 0),
        0,
      ),
      warnings: events.filter((event) => event.kind === "warning").length,
    };
  }
}

function hasAnswer(type: string): boolean {
  return (
    type === "tool-calls" ||
    type === "transfer-destination-request" ||
    type === "knowledge-base-request"
  );
}
