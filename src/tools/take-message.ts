import { z } from "zod";
import { newId } from "./new-id.js";
import { compactPhone, describePhoneEnding, PhoneArgumentSchema } from "./phone-argument.js";
import { defineTool } from "./tool-definition.js";

export const TakeMessageArgsSchema = z.object({
  message: z.string().trim().min(1).max(2000).describe("The message, in the caller's words."),
  name: z.string().trim().min(1).max(120).optional().describe("The caller's name."),
  callbackNumber: PhoneArgumentSchema.optional().describe(
    "Number to call back on; defaults to the number the caller is calling from.",
  ),
});
export type TakeMessageArgs = z.infer<typeof TakeMessageArgsSchema>;

/** Stores a message for the team with who to call back and on which number. */
export const takeMessageTool = defineTool<TakeMessageArgs>({
  name: "take_message",
  description:
    "Leaves a message for the team with the caller's name and callback number, when the caller wants someone to call back.",
  argsSchema: TakeMessageArgsSchema,
  sideEffects: true,
  async execute(ctx, args) {
    const callerNumber = compactPhone(ctx.callerNumber) ?? null;
    const callback = args.callbackNumber ?? callerNumber;
    await ctx.db
      .insertInto("messages")
      .values({
        id: newId("msg", ctx.clock.now()),
        tenant_id: ctx.tenant.id,
        call_id: ctx.callId ?? null,
        caller_number: callerNumber,
        callback_number: callback,
        name: args.name ?? null,
        message: args.message,
        created_at: new Date(ctx.clock.now()).toISOString(),
      })
      .execute();
    const who = args.name === undefined ? "the caller" : args.name;
    return {
      ok: true,
      result:
        callback === null
          ? `Message saved for the team, but there is no number to call ${who} back on; please ask for one.`
          : `Message saved; the team will call ${who} back on ${describePhoneEnding(callback)}.`,
    };
  },
});
