import type { CallParties } from "../calls/call-repo.js";
import type { MessageOf } from "./messages.js";

type CallMessage = Pick<MessageOf<"status-update">, "call" | "phoneNumber" | "customer">;

/** The caller and the dialed number, from wherever Vapi put them (protocol reference §1.2). */
export function readCallParties(message: CallMessage): CallParties {
  return {
    callerNumber: message.customer?.number ?? message.call?.customer?.number ?? undefined,
    vapiPhoneNumberId: message.phoneNumber?.id ?? message.call?.phoneNumberId ?? undefined,
    dialedNumber: message.phoneNumber?.number ?? undefined,
  };
}

/**
 * A Vapi time as ISO-8601 UTC: epoch milliseconds (often fractional, `1763504055418.999`) or
 * an ISO string (2024-era payloads). Anything unreadable is `undefined`, never an error.
 */
export function toIsoTime(value: unknown): string | undefined {
  if (typeof value !== "number" && typeof value !== "string") return undefined;
  if (typeof value === "string" && value.trim() === "") return undefined;
  const date = new Date(typeof value === "number" ? Math.floor(value) : value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
