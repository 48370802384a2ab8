import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { newId } from "../tools/new-id.js";
import type { TransferChoice } from "./choose-transfer-destination.js";

export interface RecordTransferInput {
  tenantId: string;
  callId: string | undefined;
  choice: TransferChoice;
  nowIso: string;
}

/**
 * Notes that a call was sent to a destination. Vapi may ask again within one call: the
 * UNIQUE (tenant_id, call_id, destination_number) keeps that to one row.
 */
export async function recordTransfer(
  db: Kysely<Database>,
  input: RecordTransferInput,
): Promise<void> {
  await db
    .insertInto("transfers")
    .values({
      id: newId("tr", Date.parse(input.nowIso)),
      tenant_id: input.tenantId,
      call_id: input.callId ?? null,
      destination_number: input.choice.number,
      kind: input.choice.kind,
      reason: input.choice.reason ?? null,
      created_at: input.nowIso,
    })
    .onConflict((conflict) =>
      conflict.columns(["tenant_id", "call_id", "destination_number"]).doNothing(),
    )
    .execute();
}
