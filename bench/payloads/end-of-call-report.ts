import {
  CALLER_NUMBER,
  createAssistantEcho,
  createConversation,
  createSystemPrompt,
  ORG_ID,
} from "./call-artifacts.js";
import { createBodyTemplate, placeholder, type BodyTemplate } from "./body-template.js";

export interface DialedTenant {
  tenantId: string;
  vapiPhoneNumberId: string;
  number: string;
  /** IANA time zone of the business (tool arguments use its local dates). */
  timezone: string;
}

export interface EndOfCallReportOptions {
  tenant: DialedTenant;
  /** Smallest acceptable body size; turns are added until the report reaches it. */
  targetBytes: number;
}

/** Placeholder filled with a fresh call id on every request (the report's idempotency key). */
export const CALL_ID = "CALL_ID";

/**
 * A realistic end-of-call-report (protocol reference §6.2): analysis, artifact with the history
 * in both formats, recording URLs, per-component costs, the stale call object and the assistant
 * echo, grown by conversation turns until it reaches `targetBytes`.
 */
export function createEndOfCallReportTemplate(options: EndOfCallReportOptions): BodyTemplate {
  const probe = renderReport(options.tenant, 12);
  const perTurn = (renderReport(options.tenant, 36).length - probe.length) / 24;
  let turns = Math.max(4, Math.ceil(12 + (options.targetBytes - probe.length) / perTurn));
  let json = renderReport(options.tenant, turns);
  while (json.length < options.targetBytes) {
    turns += 2;
    json = renderReport(options.tenant, turns);
  }
  return createBodyTemplate(json);
}

function renderReport(tenant: DialedTenant, turns: number): string {
  const callId = placeholder(CALL_ID);
  const startMs = Date.UTC(2026, 2, 17, 23, 40, 3, 512);
  const systemPrompt = createSystemPrompt();
  const conversation = createConversation({ startMs, systemPrompt, turns, toolCallsAfterTurn: 6 });
  const endMs = startMs + conversation.durationSeconds * 1000 + 1800;
  const minutes = Math.round((conversation.durationSeconds / 60) * 10_000) / 10_000;
  const recording = `https://storage.vapi.ai/${callId}-${endMs}-4c2e8f1a-7b3d-4e9a-a6c5-1f8d2b7e9a03`;
  const assistant = createAssistantEcho(tenant.tenantId, systemPrompt);
  const summary =
    "Daniel Nguyen from Marrickville called about a leaking hot water system in his laundry. A lead was created and a 1-3pm job was offered for today; the caller asked about replacing the unit.";
  const costs = [
    {
      type: "transcriber",
      transcriber: { provider: "deepgram", model: "nova-3" },
      minutes,
      cost: 0.0298,
    },
    {
      type: "model",
      model: { provider: "openai", model: "gpt-4o-mini" },
      promptTokens: 18422,
      completionTokens: 611,
      cachedPromptTokens: 9216,
      cost: 0.0032,
    },
    {
      type: "voice",
      voice: { provider: "deepgram", voiceId: "hyperion", model: "aura-2" },
      characters: 812,
      cost: 0.0487,
    },
    { type: "vapi", subType: "normal", minutes, cost: 0.1365 },
    { type: "transport", provider: "twilio", minutes, cost: 0.0955 },
    {
      type: "analysis",
      analysisType: "summary",
      model: { provider: "openai", model: "gpt-4.1-mini" },
      promptTokens: 1510,
      completionTokens: 61,
      cost: 0.0019,
    },
    {
      type: "analysis",
      analysisType: "structuredData",
      model: { provider: "openai", model: "gpt-4.1-mini" },
      promptTokens: 1622,
      completionTokens: 48,
      cost: 0.002,
    },
    {
      type: "analysis",
      analysisType: "successEvaluation",
      model: { provider: "openai", model: "gpt-4.1-mini" },
      promptTokens: 1580,
      completionTokens: 3,
      cost: 0.0011,
    },
  ];
  const phoneNumber = {
    id: tenant.vapiPhoneNumberId,
    orgId: ORG_ID,
    provider: "twilio",
    number: tenant.number,
    name: "main line",
    status: "active",
    assistantId: null,
    squadId: null,
    credentialId: null,
    twilioAccountSid: "AC9e1d4b7a2c5f8e0b3d6a9c2f5e8b1d47",
    server: { url: "https://frontdesk.example/vapi/webhook", timeoutSeconds: 20 },
    createdAt: "2025-09-02T03:11:47.208Z",
    updatedAt: "2025-11-02T21:40:12.991Z",
  };
  const message = {
    timestamp: endMs + 2417,
    type: "end-of-call-report",
    assistantVersion: null,
    analysis: {
      summary,
      structuredData: {
        customerName: "Daniel Nguyen",
        suburb: "Marrickville",
        issue: "Leaking hot water system",
        urgency: "today",
        bookingMade: false,
      },
      successEvaluation: "true",
    },
    artifact: {
      messages: conversation.messages,
      messagesOpenAIFormatted: conversation.messagesOpenAIFormatted,
      transcript: conversation.transcript,
      recordingUrl: `${recording}-mono.wav`,
      stereoRecordingUrl: `${recording}-stereo.wav`,
      recording: {
        stereoUrl: `${recording}-stereo.wav`,
        mono: {
          combinedUrl: `${recording}-mono.wav`,
          assistantUrl: `${recording}-assistant.wav`,
          customerUrl: `${recording}-customer.wav`,
        },
      },
      logUrl: `https://calllogs.vapi.ai/${ORG_ID}/${callId}/2026-03-17T23:43:12.400Z.jsonl.gz`,
      pcapUrl: null,
      nodes: [],
      variableValues: {},
      transfers: [],
      performanceMetrics: {
        turnLatencies: [
          {
            modelLatency: 412,
            voiceLatency: 231,
            transcriberLatency: 118,
            endpointingLatency: 402,
            turnLatency: 1163,
          },
          {
            modelLatency: 388,
            voiceLatency: 244,
            transcriberLatency: 97,
            endpointingLatency: 380,
            turnLatency: 1109,
          },
        ],
        modelLatencyAverage: 400,
        voiceLatencyAverage: 237.5,
        transcriberLatencyAverage: 107.5,
        endpointingLatencyAverage: 391,
        turnLatencyAverage: 1136,
        numUserInterrupted: 0,
        numAssistantInterrupted: 1,
      },
    },
    startedAt: new Date(startMs).toISOString(),
    endedAt: new Date(endMs).toISOString(),
    endedReason: "customer-ended-call",
    cost: 0.3187,
    costs,
    costBreakdown: {
      stt: 0.0298,
      llm: 0.0032,
      tts: 0.0487,
      vapi: 0.1365,
      transport: 0.0955,
      chat: 0,
      total: 0.3187,
      llmPromptTokens: 18422,
      llmCompletionTokens: 611,
      llmCachedPromptTokens: 9216,
      ttsCharacters: 812,
      analysisCostBreakdown: { summary: 0.0019, structuredData: 0.002, successEvaluation: 0.0011 },
    },
    durationMs: endMs - startMs,
    durationSeconds: (endMs - startMs) / 1000,
    durationMinutes: minutes,
    // Legacy top-level copies that Vapi still sends next to `analysis` and `artifact`.
    summary,
    transcript: conversation.transcript,
    messages: conversation.messages,
    recordingUrl: `${recording}-mono.wav`,
    stereoRecordingUrl: `${recording}-stereo.wav`,
    call: {
      id: callId,
      orgId: ORG_ID,
      createdAt: new Date(startMs - 900).toISOString(),
      updatedAt: new Date(startMs - 900).toISOString(),
      type: "inboundPhoneCall",
      status: "in-progress", // stale on purpose: Vapi snapshots the call before it ended
      phoneCallProvider: "twilio",
      phoneCallProviderId: "CA3f9b2c7d1e8a4f6b0c5d9e2a7b1f4c83",
      phoneCallTransport: "pstn",
      phoneNumberId: tenant.vapiPhoneNumberId,
      assistantId: null,
      squadId: null,
      customer: { number: CALLER_NUMBER },
      monitor: {
        listenUrl: `wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/${callId}/listen`,
        controlUrl: `https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/${callId}/control`,
      },
      transport: {
        provider: "twilio",
        callSid: "CA3f9b2c7d1e8a4f6b0c5d9e2a7b1f4c83",
        conversationType: "voice",
      },
      assistant,
    },
    phoneNumber,
    customer: { number: CALLER_NUMBER },
    assistant,
  };
  return JSON.stringify({ message });
}
