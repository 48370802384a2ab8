import type { Vapi } from "@vapi-ai/server-sdk";
import type { Model, Tenant, Voice } from "../tenants/tenant-document.js";
import { buildStaticPrompt, defaultFirstMessage } from "../tenants/system-prompt.js";
import type { ToolRegistry, ToolSpec } from "../tools/registry.js";
import { toVapiParameters } from "./json-schema.js";
import { PreSerialized } from "./router.js";

export interface AssistantBuildOptions {
  registry: ToolRegistry;
  defaults: { model: Model; voice: Voice };
  /** Public base URL of this server; when set, the assistant points its messages back here. */
  publicUrl: string | undefined;
}

/**
 * A tenant's assistant-request answer serialized once per tenant version, with the span where the
 * per-call context goes, so each call only escapes and concatenates one short string.
 *
 * The JSON is held as one string that some call context (at first a marker) sits in. The
 * handler keeps each tenant's answer for the current minute; `renderKept` makes that answer this
 * template's own text, so a cached tenant costs one ~6 KB string instead of two (the template
 * and the minute's answer). With 10,000 tenants in memory that is ~60 MB of heap, not ~120.
 */
export class PreparedAssistant {
  #json: string;
  #contextStart: number;
  #contextEnd: number;

  constructor(json: string, contextStart: number, contextEnd: number) {
    this.#json = json;
    this.#contextStart = contextStart;
    this.#contextEnd = contextEnd;
  }

  /** Characters of the template (one byte each in V8's heap when it is ASCII, two otherwise). */
  get textLength(): number {
    return this.#json.length;
  }

  /** The answer with this call's context; the template is left as it is. */
  render(callContext: string): PreSerialized<Vapi.ServerMessageResponseAssistantRequest> {
    return new PreSerialized(this.#splice(escapeForJson(callContext)));
  }

  /**
   * The same answer, which the template then keeps as its own text: the previous text (and the
   * answer that was made from it) is released once nothing else refers to it.
   */
  renderKept(callContext: string): PreSerialized<Vapi.ServerMessageResponseAssistantRequest> {
    const escaped = escapeForJson(callContext);
    const json = this.#splice(escaped);
    // A spliced string holds on to the old text until it is flattened; byteLength flattens it
    // now (it would happen anyway when the answer is first sent).
    Buffer.byteLength(json);
    this.#json = json;
    this.#contextEnd = this.#contextStart + escaped.length;
    return new PreSerialized(json);
  }

  #splice(escaped: string): string {
    return this.#json.slice(0, this.#contextStart) + escaped + this.#json.slice(this.#contextEnd);
  }
}

function escapeForJson(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

// Only characters that JSON.stringify leaves untouched, so the marker survives serialization.
const CALL_CONTEXT_MARKER = "@@FRONTDESK_CALL_CONTEXT@@";

/** Messages our handlers act on; the rest of Vapi's default list is left off to save traffic. */
const SERVER_MESSAGES = [
  "end-of-call-report",
  "status-update",
  "tool-calls",
  "transfer-destination-request",
  "hang",
] as const satisfies readonly Vapi.CreateAssistantDtoServerMessagesItem[];

export function buildAssistant(
  tenant: Tenant,
  options: AssistantBuildOptions,
  systemPrompt: string,
): Vapi.CreateAssistantDto {
  const tools: Vapi.OpenAiModelToolsItem[] = options.registry.specsFor(tenant).map(toolItemFor);
  if (tenant.transfer !== undefined || tenant.escalation !== undefined) {
    // No fixed destinations: Vapi asks us with transfer-destination-request, so the choice
    // (emergency line vs. front desk) and the record of it stay on our side.
    tools.push({ type: "transferCall", destinations: [] });
  }
  tools.push({ type: "endCall" });

  const model = tenant.assistant.model ?? options.defaults.model;
  const voice = tenant.assistant.voice ?? options.defaults.voice;
  const assistant: Vapi.CreateAssistantDto = {
    name: truncateName(`${tenant.name} receptionist`),
    firstMessage: tenant.assistant.firstMessage ?? defaultFirstMessage(tenant),
    model: {
      provider: "openai",
      model: model.model,
      ...(model.temperature === undefined ? {} : { temperature: model.temperature }),
      messages: [{ role: "system", content: systemPrompt }],
      tools,
      // Vapi asks our knowledge-base-request handler before each answer, but only when it can
      // reach us: that needs PUBLIC_URL. Without it the answer_question tool covers the FAQ.
      ...(options.publicUrl !== undefined && tenant.faq.length > 0
        ? {
            knowledgeBase: {
              provider: "custom-knowledge-base",
              server: { url: `${options.publicUrl}/vapi/webhook` },
            },
          }
        : {}),
    },
    voice: toVapiVoice(voice),
    serverMessages: [...SERVER_MESSAGES],
    metadata: { tenantId: tenant.id, tenantName: tenant.name },
    ...(options.publicUrl === undefined
      ? {}
      : { server: { url: `${options.publicUrl}/vapi/webhook` } }),
  };
  return assistant;
}

// The registry keeps one spec per tool, so each tool's Vapi form is built once per process
// rather than for every tenant an assistant is prepared for (cold lookups). Shared between
// assistants, which only ever serialize it.
const toolItems = new WeakMap<ToolSpec, Vapi.OpenAiModelToolsItem>();

function toolItemFor(spec: ToolSpec): Vapi.OpenAiModelToolsItem {
  let item = toolItems.get(spec);
  if (item === undefined) {
    item = {
      type: "function",
      function: {
        name: spec.name,
        description: spec.description,
        parameters: toVapiParameters(spec.parameters),
      },
    };
    toolItems.set(spec, item);
  }
  return item;
}

function toVapiVoice(voice: Voice): Vapi.CreateAssistantDtoVoice {
  switch (voice.provider) {
    case "deepgram":
      return {
        provider: "deepgram",
        voiceId: voice.voiceId,
        ...(voice.model === undefined ? {} : { model: voice.model }),
      };
    case "vapi":
      return { provider: "vapi", voiceId: voice.voiceId };
    case "11labs":
      return { provider: "11labs", voiceId: voice.voiceId };
  }
}

// Vapi caps assistant names at 40 characters.
function truncateName(name: string): string {
  return name.length > 40 ? name.slice(0, 40) : name;
}

export function prepareAssistant(
  tenant: Tenant,
  options: AssistantBuildOptions,
): PreparedAssistant {
  const toolNames = options.registry.specsFor(tenant).map((spec) => spec.name);
  const savedAssistantId = tenant.assistant.assistantId;
  const response: Vapi.ServerMessageResponseAssistantRequest =
    savedAssistantId === undefined
      ? {
          assistant: buildAssistant(
            tenant,
            options,
            `${buildStaticPrompt(tenant, toolNames)}\n\n${CALL_CONTEXT_MARKER}`,
          ),
        }
      : {
          // A saved assistant keeps its own prompt; it reads these with {{callContext}} etc.
          assistantId: savedAssistantId,
          assistantOverrides: {
            variableValues: {
              tenantId: tenant.id,
              businessName: tenant.name,
              timezone: tenant.timezone,
              callContext: CALL_CONTEXT_MARKER,
            },
            metadata: { tenantId: tenant.id, tenantName: tenant.name },
          },
        };
  const json = JSON.stringify(response);
  const at = json.indexOf(CALL_CONTEXT_MARKER);
  if (at < 0 || json.indexOf(CALL_CONTEXT_MARKER, at + 1) >= 0) {
    throw new Error(`tenant ${tenant.id}: the call-context marker must appear exactly once`);
  }
  return new PreparedAssistant(json, at, at + CALL_CONTEXT_MARKER.length);
}
