import type { Scenario } from "../scenario.js";

const DEFAULT_QUESTION = "What is your call-out fee?";

/** A question about the business: a knowledge-base-request, then answer_question. */
export const faqScenario: Scenario = {
  name: "faq",
  description:
    'caller asks a question ("What is your call-out fee?"): knowledge-base-request, answer_question',
  endedReason: "customer-ended-call",
  summary: "Caller asked about the call-out fee and was answered from the FAQ.",
  async run(session, options) {
    const question = options.question ?? DEFAULT_QUESTION;
    session.say("user", question);
    await session.sendConversationUpdate();

    const knowledge = await session.queryKnowledgeBase();
    if (knowledge?.documents?.length === 0) {
      session.warn("the knowledge base found nothing for the question");
    }
    const [answer] = await session.callTools([
      { name: "answer_question", args: JSON.stringify({ question }) },
    ]);
    if (answer === undefined) return;
    if (!answer.ok) session.warn(`answer_question failed: ${answer.text}`);
    session.say("assistant", answer.text);
    session.say("user", "Great, thanks. That's all.");
  },
};
