import { pickEmergencyTrigger } from "../conversation-hints.js";
import type { Scenario } from "../scenario.js";

/**
 * The caller names an escalation trigger (the first one the prompt lists, else "gas smell"); the
 * assistant records a lead and calls transferCall, so Vapi asks for the destination.
 */
export const emergencyScenario: Scenario = {
  name: "emergency",
  description:
    "caller reports an emergency (e.g. gas smell): create_lead, transferCall → escalation number",
  endedReason: "assistant-forwarded-call",
  summary: "Caller reported an emergency and was transferred to the on-call line.",
  async run(session) {
    const trigger = pickEmergencyTrigger(session.assistant.prompt);
    session.say(
      "user",
      `Help, we have an emergency: ${trigger}, at my place in Newtown. What do I do?`,
    );
    session.say(
      "assistant",
      "Please stay safe and leave the building if you need to. I'll put you through to our emergency line right now.",
    );
    await session.sendConversationUpdate();

    const [lead] = await session.callTools([
      {
        name: "create_lead",
        args: JSON.stringify({
          name: "Priya Sharma",
          urgency: "emergency",
          suburb: "Newtown",
          notes: `Caller reports: ${trigger}`,
        }),
      },
    ]);
    if (lead !== undefined && !lead.ok) session.warn(`create_lead failed: ${lead.text}`);

    const transfer = await session.requestTransfer();
    if (transfer === undefined) return;
    if (transfer.destination === undefined) {
      session.warn(`the transfer was refused: ${transfer.error ?? ""}`);
      return;
    }
    await session.sendStatus("forwarding", {
      destination: transfer.destination,
      summary: `Caller reported ${trigger} and was transferred.`,
    });
  },
};
