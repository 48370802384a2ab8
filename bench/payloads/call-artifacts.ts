/*
 * The parts of a Vapi call that grow with the conversation: the message history in Vapi's and
 * OpenAI's formats, the plain transcript, and the assistant echo that Vapi repeats on every
 * message (`message.assistant` and again under `message.call.assistant`). Modelled on captured
 * payloads (protocol reference §6.2 and §9.4) for a plumbing receptionist.
 */

export const ORG_ID = "5b0e3c1d-8f2a-4a63-9c51-2d7e4b9a1f06";
export const CALLER_NUMBER = "+61491570156";

interface Turn {
  role: "bot" | "user";
  text: string;
}

// One enquiry; long calls are built by repeating it with the turn number mixed in.
const SCRIPT: readonly Turn[] = [
  {
    role: "bot",
    text: "Thanks for calling Harbourside Plumbing, this is the virtual receptionist. How can I help you today?",
  },
  { role: "user", text: "Hi, yeah, my hot water system is leaking all over the laundry floor." },
  { role: "bot", text: "Oh no, sorry to hear that. Can I grab your name and suburb?" },
  { role: "user", text: "It's Daniel Nguyen, in Marrickville." },
  {
    role: "bot",
    text: "Thanks Daniel. Is the water still running, or have you been able to turn it off at the tap?",
  },
  {
    role: "user",
    text: "I turned the cold tap off at the unit. It's just dripping now. Can someone come today?",
  },
  {
    role: "bot",
    text: "I've got you down. We can come between 1 and 3 this afternoon, or 3:30 to 5:30. Which suits?",
  },
  { role: "user", text: "One to three is great. Is there a call-out fee for that?" },
  {
    role: "bot",
    text: "Our standard call-out fee is $99 including GST, which covers travel and the first 15 minutes on site.",
  },
  {
    role: "user",
    text: "Okay, and do you do Rheem systems? Mine's about twelve years old, I might just replace it.",
  },
  {
    role: "bot",
    text: "Yes, we stock Rheem and Rinnai systems, and the plumber can give you a free quote for a replacement while they're there.",
  },
  {
    role: "user",
    text: "Perfect. Actually, could I speak to someone in the office about the parking out the front?",
  },
];

export interface Conversation {
  messages: Record<string, unknown>[];
  messagesOpenAIFormatted: Record<string, unknown>[];
  transcript: string;
  durationSeconds: number;
}

export interface ConversationOptions {
  startMs: number;
  systemPrompt: string;
  /** Number of spoken turns after the system message. */
  turns: number;
  /** Inserts a create_lead + check_availability round trip after this many turns. */
  toolCallsAfterTurn?: number;
}

/** The history as Vapi sends it in `artifact`: one entry per spoken turn plus tool round trips. */
export function createConversation(options: ConversationOptions): Conversation {
  const messages: Record<string, unknown>[] = [
    { role: "system", message: options.systemPrompt, time: options.startMs, secondsFromStart: 0 },
  ];
  const openAi: Record<string, unknown>[] = [{ role: "system", content: options.systemPrompt }];
  const lines: string[] = [];
  let seconds = 0.82;

  for (let turn = 0; turn < options.turns; turn += 1) {
    const scripted = SCRIPT[turn % SCRIPT.length] ?? { role: "user", text: "Okay." };
    const text =
      turn < SCRIPT.length
        ? scripted.text
        : `${scripted.text} (${Math.floor(turn / SCRIPT.length)})`;
    const duration = Math.round((1.2 + text.length / 18) * 1000) / 1000;
    const time = options.startMs + seconds * 1000;
    messages.push({
      role: scripted.role,
      message: text,
      time,
      endTime: time + duration * 1000 + 0.999,
      secondsFromStart: Math.round(seconds * 100) / 100,
      duration,
      ...(scripted.role === "bot" ? { source: "" } : { metadata: { wordLevelConfidence: [] } }),
    });
    openAi.push({ role: scripted.role === "bot" ? "assistant" : "user", content: text });
    lines.push(`${scripted.role === "bot" ? "AI" : "User"}: ${text}`);
    seconds += duration + 0.9;

    if (turn + 1 === options.toolCallsAfterTurn) {
      const calls = [
        { id: `call_Yk3pQ8vN2mR7sT1wX4zB${turn}`, name: "create_lead", args: LEAD_ARGS },
        { id: `call_Hq5LmW2rT9vK4pZ7sN1c${turn}`, name: "check_availability", args: SLOT_ARGS },
      ];
      const toolCalls = calls.map((call) => ({
        id: call.id,
        type: "function",
        function: { name: call.name, arguments: JSON.stringify(call.args) },
      }));
      messages.push({
        role: "tool_calls",
        message: "",
        time: options.startMs + seconds * 1000,
        secondsFromStart: seconds,
        toolCalls,
      });
      openAi.push({ role: "assistant", content: null, tool_calls: toolCalls });
      for (const call of calls) {
        seconds += 0.4;
        const result = call.name === "create_lead" ? LEAD_RESULT : SLOT_RESULT;
        messages.push({
          role: "tool_call_result",
          time: options.startMs + seconds * 1000,
          secondsFromStart: seconds,
          name: call.name,
          result,
          toolCallId: call.id,
        });
        openAi.push({ role: "tool", tool_call_id: call.id, content: result });
      }
    }
  }
  return {
    messages,
    messagesOpenAIFormatted: openAi,
    transcript: `${lines.join("\n")}\n`,
    durationSeconds: Math.round(seconds * 100) / 100,
  };
}

// Argument names follow src/tools/create-lead.ts and check-availability.ts.
export const LEAD_ARGS = {
  name: "Daniel Nguyen",
  callbackNumber: CALLER_NUMBER,
  service: "Hot water repairs",
  urgency: "today",
  suburb: "Marrickville",
  notes: "Hot water system leaking in the laundry; cold isolation tap turned off",
};
export const SLOT_ARGS = { date: "2026-03-18" };
const LEAD_RESULT = '{"ok":true,"leadId":"lead_7Fq2Kx","note":"Lead saved"}';
const SLOT_RESULT = "Open slots today: 1:00pm to 3:00pm, or 3:30pm to 5:30pm.";

const TOOL_SERVER = {
  url: "https://frontdesk.example/vapi/webhook",
  timeoutSeconds: 15,
  credentialId: "0f6c2a8e-3b5d-4e71-9a2c-8d4f6b1e0a39",
};

function functionTool(name: string, description: string, parameters: Record<string, unknown>) {
  return {
    type: "function",
    async: false,
    function: { name, description, parameters },
    server: TOOL_SERVER,
    messages: [
      { type: "request-start", content: "One moment while I check that.", blocking: false },
      {
        type: "request-failed",
        content: "Sorry, I couldn't do that just now.",
        endCallAfterSpokenEnabled: false,
      },
      {
        type: "request-response-delayed",
        content: "Sorry, just a few more seconds.",
        timingMilliseconds: 4000,
      },
    ],
  };
}

/** The transient assistant as Vapi echoes it back: system prompt plus every tool schema. */
export function createAssistantEcho(tenantId: string, systemPrompt: string) {
  return {
    name: "Harbourside Plumbing receptionist",
    firstMessage: SCRIPT[0]?.text,
    firstMessageMode: "assistant-speaks-first",
    transcriber: {
      provider: "deepgram",
      model: "nova-3",
      language: "en-AU",
      smartFormat: true,
      keywords: [],
    },
    model: {
      provider: "openai",
      model: "gpt-4o-mini",
      temperature: 0.4,
      maxTokens: 250,
      messages: [{ role: "system", content: systemPrompt }],
      tools: [
        functionTool("create_lead", "Saves the caller's enquiry for the team.", {
          type: "object",
          properties: {
            name: { type: "string", description: "The caller's name." },
            callbackNumber: { type: "string", description: "Best number to call back on." },
            service: { type: "string", description: "Which of the business's services is needed." },
            urgency: { type: "string", enum: ["emergency", "today", "this_week", "quote"] },
            suburb: { type: "string", description: "Suburb or area of the job." },
            notes: { type: "string", description: "The problem in the caller's words." },
          },
          required: ["name"],
        }),
        functionTool(
          "check_availability",
          "Lists free appointment start times for one day or a range.",
          {
            type: "object",
            properties: {
              date: { type: "string", description: "YYYY-MM-DD in the business's local time." },
              endDate: { type: "string", description: "The last day of a range, YYYY-MM-DD." },
            },
          },
        ),
        { type: "transferCall", destinations: [] },
        { type: "endCall" },
      ],
    },
    voice: { provider: "deepgram", voiceId: "hyperion", model: "aura-2" },
    serverMessages: [
      "end-of-call-report",
      "status-update",
      "tool-calls",
      "transfer-destination-request",
      "hang",
    ],
    server: { url: "https://frontdesk.example/vapi/webhook", timeoutSeconds: 20 },
    metadata: { tenantId, tenantName: "Harbourside Plumbing" },
  };
}

/** A system prompt of realistic length (business facts, hours, FAQ, rules). */
export function createSystemPrompt(): string {
  const faq = [
    "Call-out fee: $99 including GST, covering travel and the first 15 minutes on site; weekends $180.",
    "Service area: Sydney CBD, the Inner West, the Eastern Suburbs and the Lower North Shore.",
    "Emergencies (burst pipes, flooding, gas smell): an on-call plumber is available 24/7.",
    "Licensing: all plumbers are licensed with NSW Fair Trading; $20 million public liability.",
    "Payment: card, bank transfer or cash, due on completion.",
    "Quotes: free for renovations and hot water replacements.",
  ];
  return [
    "You are the virtual receptionist for Harbourside Plumbing, a plumbing business in Sydney.",
    "Be warm, brief and clear; this is a phone call, so never use lists or markdown.",
    "Services: emergency plumbing, blocked drains, hot water repairs, gas fitting, leak detection, bathroom renovations.",
    "Hours (Australia/Sydney): Monday to Friday 7am to 5pm, Saturday 8am to noon, closed Sunday.",
    ...faq,
    "Always collect the caller's name, suburb, callback number and the problem, then create a lead.",
    "Offer a booking using check_availability; never promise a time the tool did not return.",
    "If the caller mentions gas, flooding, sewage or no water, transfer to the on-call plumber at once.",
    "Always ask whether the job is urgent. For hot water replacements, mention Rheem and Rinnai systems.",
    "Local time now: Wednesday 18 March 2026, 10:42 am. The business is open until 5:00 pm.",
  ].join("\n");
}
