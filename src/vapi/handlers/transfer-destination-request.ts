import type { Vapi } from "@vapi-ai/server-sdk";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.js";
import { chooseTransferDestination } from "../../transfers/choose-transfer-destination.js";
import { recordTransfer } from "../../transfers/record-transfer.js";
import { callerSideTexts } from "../conversation-text.js";
import type { MessageHandler } from "../router.js";

export interface TransferDestinationDeps {
  db: Kysely<Database>;
}

const NO_DESTINATION_ERROR =
  "Sorry, I can't transfer your call right now. I can take a message and have someone call you back.";

/**
 * Chooses where a `transferCall` goes (protocol reference §5.1): the tenant's emergency line
 * when the conversation matches an escalation trigger, else its front desk. The transfer is
 * recorded, but a failed write does not keep a waiting caller from being put through.
 */
export function createTransferDestinationRequestHandler(
  deps: TransferDestinationDeps,
): MessageHandler<"transfer-destination-request"> {
  return async (message, ctx) => {
    const choice =
      ctx.tenant === undefined
        ? undefined
        : chooseTransferDestination(ctx.tenant.tenant, callerSideTexts(message));
    if (ctx.tenant === undefined || choice === undefined) {
      ctx.annotate({ outcome: ctx.tenant === undefined ? "unknown-number" : "no-destination" });
      const refusal: Vapi.ServerMessageResponseTransferDestinationRequest = {
        error: NO_DESTINATION_ERROR,
      };
      return refusal;
    }
    try {
      await recordTransfer(deps.db, {
        tenantId: ctx.tenant.tenant.id,
        callId: ctx.callId,
        choice,
        nowIso: new Date(ctx.clock.now()).toISOString(),
      });
    } catch (error) {
      ctx.log.error({ err: error }, "could not record the transfer; transferring anyway");
    }
    ctx.annotate({ outcome: `transfer-${choice.kind}` });
    const response: Vapi.ServerMessageResponseTransferDestinationRequest = {
      destination: { type: "number", number: choice.number, message: choice.message },
    };
    return response;
  };
}
