import { z } from "zod";
import { searchFaq } from "../knowledge/faq-search.js";
import { defineTool } from "./tool-definition.js";

// A second answer is worth reading only when it is nearly as relevant as the first.
const SECOND_ANSWER_RATIO = 0.8;

export const AnswerQuestionArgsSchema = z.object({
  question: z
    .string()
    .trim()
    .min(2)
    .max(500)
    .describe("The caller's question about the business, in their words."),
});
export type AnswerQuestionArgs = z.infer<typeof AnswerQuestionArgsSchema>;

/** Answers from the tenant's own FAQ only; says so plainly when the FAQ has nothing. */
export const answerQuestionTool = defineTool<AnswerQuestionArgs>({
  name: "answer_question",
  description:
    "Looks up the business's own answers (fees, service areas, policies). Answer only from what it returns.",
  argsSchema: AnswerQuestionArgsSchema,
  isAvailableFor: (tenant) => tenant.faq.length > 0,
  async execute(ctx, args) {
    const [best, second] = searchFaq(ctx.tenant, args.question, { limit: 2 });
    if (best === undefined) {
      return {
        ok: true,
        result:
          "The business has no answer on file for that; say you are not sure and offer to take a message.",
      };
    }
    const also =
      second !== undefined && second.similarity >= best.similarity * SECOND_ANSWER_RATIO
        ? ` Related: ${second.question} ${second.answer}`
        : "";
    return { ok: true, result: `${best.answer}${also}` };
  },
});
