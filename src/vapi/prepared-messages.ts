import type { CallReportRecord } from "../calls/call-repo.js";
import type { MessageOf, MessageType } from "./messages.js";
import { readCallReport, serializeCallReport } from "./read-call-report.js";

/** The end-of-call report as its handler takes it: the record to store, documents serialized. */
export interface PreparedCallReport {
  report: CallReportRecord;
}

/**
 * What a handler receives for each message type: the validated message, except where the
 * handler's whole job is to store it. The end-of-call report is read and serialized here, where
 * the body was parsed (on a worker thread for large bodies), so that only the record (strings
 * and numbers, cheap to hand across threads) reaches the event loop that writes it.
 */
export type PreparedOf<TType extends MessageType> = TType extends "end-of-call-report"
  ? PreparedCallReport
  : MessageOf<TType>;

export function prepareMessage<TType extends MessageType>(
  type: TType,
  message: MessageOf<TType>,
): PreparedOf<TType> {
  if (type !== "end-of-call-report") return message as PreparedOf<TType>;
  const report = message as MessageOf<"end-of-call-report">;
  const prepared: PreparedCallReport = {
    // The handler stores it under the call id it resolved (the same one, from the message).
    report: serializeCallReport(readCallReport(report, report.call?.id ?? "")),
  };
  return prepared as PreparedOf<TType>;
}
