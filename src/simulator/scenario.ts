import type { SimulatedCall } from "./call-messages.js";
import type { KnowledgeBaseAnswer, TransferAnswer } from "./protocol-checks.js";

export const SCENARIO_NAMES = ["booking", "emergency", "message", "faq"] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** What the assistant-request answer told us about the assistant taking the call. */
export interface AssistantInfo {
  /** Which answer came back: an inline assistant, a saved one, a transfer, a refusal. */
  kind: "assistant" | "assistant-id" | "destination" | "error" | "other" | "none";
  firstMessage: string | undefined;
  /** The system prompt (inline assistants only). */
  prompt: string | undefined;
  /** Function tool names offered to the model (inline assistants only). */
  toolNames: string[];
}

/** One tool call's answer as the assistant would get it. */
export interface ToolAnswer {
  name: string;
  ok: boolean;
  /** The result, or the error sentence. */
  text: string;
}

/** What a scenario can do during the call; every request is signed, sent and checked. */
export interface CallSession {
  readonly call: SimulatedCall;
  readonly assistant: AssistantInfo;
  /** Adds a line to the conversation (sent with the next message that carries it). */
  say(role: "assistant" | "user", text: string): void;
  sendConversationUpdate(): Promise<void>;
  sendStatus(status: string, extra?: Record<string, unknown>): Promise<void>;
  /** One tool-calls message with these calls; answers in call order (undefined when unusable). */
  callTools(
    calls: readonly { name: string; args: Record<string, unknown> | string }[],
  ): Promise<(ToolAnswer | undefined)[]>;
  /** The transferCall tool's question to the server (transfer-destination-request). */
  requestTransfer(): Promise<TransferAnswer | undefined>;
  /** A custom knowledge-base lookup for the caller's latest turn. */
  queryKnowledgeBase(): Promise<KnowledgeBaseAnswer | undefined>;
  /** Something did not go as the scenario planned (not a protocol violation). */
  warn(text: string): void;
}

export interface ScenarioOptions {
  /** The caller's question in the faq scenario. */
  question?: string | undefined;
}

export interface Scenario {
  name: ScenarioName;
  /** One line for `--help`. */
  description: string;
  /** Plays the middle of the call, after the assistant-request and the in-progress status. */
  run(session: CallSession, options: ScenarioOptions): Promise<void>;
  /** How Vapi would report the end of this call. */
  endedReason: string;
  summary: string;
}
