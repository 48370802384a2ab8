import { describeWeeklyHours } from "./business-hours.js";
import type { Tenant } from "./tenant-document.js";

/**
 * The part of the system prompt that depends only on the tenant document (built once per tenant
 * version and cached); per-call facts such as the local time are appended per request.
 */
export function buildStaticPrompt(tenant: Tenant, toolNames: readonly string[]): string {
  const lines: string[] = [
    `You are the friendly, efficient phone receptionist for ${tenant.name}. You speak on a phone line: keep replies short, natural and spoken (no lists, no markdown, no emojis), one question at a time.`,
    "",
    `Business hours (local time, ${tenant.timezone}): ${describeWeeklyHours(tenant)}.`,
  ];
  if (tenant.services.length > 0) {
    lines.push(
      `Services offered: ${tenant.services.join(", ")}. Only offer these services; if asked for something else, say so politely and offer to take a message.`,
    );
  }
  const upcoming = tenant.closures.map((c) => `${c.date}${c.reason ? ` (${c.reason})` : ""}`);
  if (upcoming.length > 0) lines.push(`Closed on: ${upcoming.join(", ")}.`);

  lines.push(
    "",
    "How to help callers:",
    "- Find out what they need, their name, the suburb or address, and how urgent it is.",
    "- Confirm the callback number; the caller's number is known to the system, so ask only if they want a different one.",
    "- Never invent prices, availability or policies. If you do not know, say so and offer to take a message.",
  );
  if (toolNames.includes("create_lead"))
    lines.push("- Once you know what the caller needs, record it with create_lead.");
  if (toolNames.includes("check_availability"))
    lines.push("- Use check_availability before offering any appointment time.");
  if (toolNames.includes("book_appointment"))
    lines.push("- Use book_appointment only after the caller agrees to a specific time.");
  if (toolNames.includes("take_message"))
    lines.push("- If the caller wants someone to call back, use take_message.");
  if (toolNames.includes("answer_question"))
    lines.push(
      "- For questions about the business (fees, areas, policies), use answer_question and answer only from its result.",
    );

  if (tenant.escalation !== undefined && tenant.escalation.triggers.length > 0) {
    lines.push(
      "",
      `Emergencies: if the caller mentions any of: ${tenant.escalation.triggers.join(", ")}, first give brief safety advice (for example leave the building, do not use switches or flames near gas, turn off the water at the mains), then transfer the call using transferCall.`,
    );
  }
  if (tenant.transfer !== undefined) {
    lines.push("If the caller asks to speak to a person, transfer the call using transferCall.");
  }
  if (tenant.assistant.instructions !== undefined && tenant.assistant.instructions.length > 0) {
    lines.push("", "Instructions from the business:", tenant.assistant.instructions);
  }
  return lines.join("\n");
}

export function defaultFirstMessage(tenant: Tenant): string {
  return `Thanks for calling ${tenant.name}, how can I help you today?`;
}
