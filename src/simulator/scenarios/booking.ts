import { findFreeSlot, isoDateAfter, pickService } from "../conversation-hints.js";
import type { Scenario } from "../scenario.js";

const CALLER_NAME = "Daniel Nguyen";
const SUBURB = "Marrickville";
const NOTES = "Kitchen sink drain completely blocked, water not going down.";

/** check_availability, then book_appointment for a free slot it offered, with create_lead. */
export const bookingScenario: Scenario = {
  name: "booking",
  description: "blocked drain: check_availability, book the first free slot, create_lead",
  endedReason: "customer-ended-call",
  summary: `${CALLER_NAME} from ${SUBURB} booked a visit for a blocked kitchen drain.`,
  async run(session) {
    const service = pickService(session.assistant.prompt, "blocked drains");
    session.say(
      "user",
      "Hi, my kitchen sink drain is completely blocked. Can someone come out this week?",
    );
    session.say("assistant", "Sorry to hear that. Let me check what we have free.");
    await session.sendConversationUpdate();

    // The business's local date is not known here; a range ending ten days after today's UTC
    // date covers the next week and more in any time zone (the tool starts at its own today).
    const endDate = isoDateAfter(session.call.startedAtMs, 10);
    const [availability] = await session.callTools([
      { name: "check_availability", args: JSON.stringify({ endDate }) },
    ]);
    let slot = availability?.ok === true ? findFreeSlot(availability.text) : undefined;
    if (slot === undefined) {
      session.warn("check_availability offered no free time, so nothing was booked");
    } else {
      session.say("assistant", `The first free time is ${slot}. Would that suit?`);
    }
    session.say("user", `Yes please. It's ${CALLER_NAME}, in ${SUBURB}.`);

    const lead = {
      name: CALLER_NAME,
      ...(service === undefined ? {} : { service }),
      urgency: "this_week",
      suburb: SUBURB,
      notes: NOTES,
    };
    const book = (start: string) => ({
      name: "book_appointment",
      args: JSON.stringify({
        start,
        name: CALLER_NAME,
        ...(service === undefined ? {} : { service }),
        notes: NOTES,
      }),
    });
    // Both in one message, as a model's parallel tool calls: arguments as a string and an object.
    const leadCall = { name: "create_lead", args: lead };
    const answers = await session.callTools(
      slot === undefined ? [leadCall] : [book(slot), leadCall],
    );
    const booking = slot === undefined ? undefined : answers[0];
    const saved = answers.at(-1);

    if (booking !== undefined && !booking.ok) {
      // Taken in the meantime: the answer offers the next free times; take the first.
      slot = findFreeSlot(booking.text);
      if (slot === undefined) {
        session.warn(`book_appointment failed and offered no other time: ${booking.text}`);
      } else {
        const [retry] = await session.callTools([book(slot)]);
        if (retry !== undefined && !retry.ok)
          session.warn(`book_appointment failed: ${retry.text}`);
      }
    }
    if (saved !== undefined && !saved.ok) session.warn(`create_lead failed: ${saved.text}`);
    session.say("assistant", "You're all booked in. Anything else?");
    session.say("user", "No, that's everything, thanks.");
  },
};
