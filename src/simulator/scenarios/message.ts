import type { Scenario } from "../scenario.js";

/** The caller wants a call back: take_message with object arguments. */
export const messageScenario: Scenario = {
  name: "message",
  description: "caller asks for a call back: take_message",
  endedReason: "customer-ended-call",
  summary: "Sam Taylor asked for a call back about a hot water system quote.",
  async run(session) {
    session.say(
      "user",
      "Hi, could someone call me back about a quote for a new hot water system? It's not urgent.",
    );
    session.say("assistant", "Of course. Can I take your name, and is this the best number?");
    session.say("user", "Sam Taylor, and yes, this number is fine.");
    await session.sendConversationUpdate();

    const [message] = await session.callTools([
      {
        name: "take_message",
        args: {
          message: "Would like a quote for a new hot water system; not urgent.",
          name: "Sam Taylor",
          callbackNumber: session.call.callerNumber,
        },
      },
    ]);
    if (message !== undefined && !message.ok) session.warn(`take_message failed: ${message.text}`);
    session.say("assistant", "Thanks Sam, someone will call you back soon.");
  },
};
