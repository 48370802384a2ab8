import { describe, expect, it } from "vitest";
import type { Vapi } from "@vapi-ai/server-sdk";
import { prepareAssistant, type AssistantBuildOptions } from "../../../src/vapi/build-assistant.js";
import { ALL_TOOLS } from "../../../src/tools/all-tools.js";
import { createToolRegistry } from "../../../src/tools/registry.js";
import { buildTenant } from "../../helpers/factories.js";

const options: AssistantBuildOptions = {
  registry: createToolRegistry(ALL_TOOLS),
  defaults: {
    model: { provider: "openai", model: "gpt-4o-mini" },
    voice: { provider: "deepgram", voiceId: "hyperion" },
  },
  publicUrl: undefined,
};

function systemPrompt(json: string): string {
  const body = JSON.parse(json) as Vapi.ServerMessageResponseAssistantRequest;
  return (
    (body.assistant?.model as Vapi.CreateAssistantDtoModel.Openai).messages?.[0]?.content ?? ""
  );
}

function callContextOf(json: string): string | undefined {
  const body = JSON.parse(json) as Vapi.ServerMessageResponseAssistantRequest;
  return body.assistantOverrides?.variableValues?.callContext as string | undefined;
}

// Contexts of different lengths, with characters JSON escapes (the span moves with each).
const CONTEXTS = [
  "It is 10:30 am and the business is open.",
  'Returning caller: "Daniel"\nasked about\tBlocked drains \\ Glebe',
  "x",
  "",
  "Closed now. It next opens tomorrow at 7:00 am — “ünïcode” 🙂",
];

describe("PreparedAssistant", () => {
  it("renders each call context in place, whether or not the template keeps the answer", () => {
    const tenant = buildTenant();
    const prepared = prepareAssistant(tenant, options);
    const untouched = (text: string) => prepareAssistant(tenant, options).render(text).json;
    for (const [index, context] of CONTEXTS.entries()) {
      const kept = prepared.renderKept(context);
      expect(kept.json).toBe(untouched(context));
      expect(systemPrompt(kept.json).endsWith(`\n\n${context}`)).toBe(true);
      // A returning caller in between gets their own answer and leaves the kept one alone.
      const other = CONTEXTS[(index + 2) % CONTEXTS.length] ?? "";
      expect(prepared.render(other).json).toBe(untouched(other));
    }
    expect(prepared.render("last").json).toBe(untouched("last"));
  });

  it("keeps the call context in the variable values of a saved assistant", () => {
    const prepared = prepareAssistant(
      buildTenant({ assistant: { assistantId: "saved-assistant" } }),
      options,
    );
    for (const context of CONTEXTS) {
      expect(callContextOf(prepared.renderKept(context).json)).toBe(context);
      expect(callContextOf(prepared.render(`${context}!`).json)).toBe(`${context}!`);
    }
  });
});
