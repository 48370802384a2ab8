import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { Config } from "../config.js";
import { formatEvents, formatVerdict } from "../simulator/format-report.js";
import {
  parseCapturedPayloads,
  replayPayloads,
  type CapturedPayload,
} from "../simulator/replay-payloads.js";
import {
  CLIENT_OPTIONS,
  defaultUrl,
  EXIT_USAGE,
  EXIT_VIOLATION,
  signingFor,
  timeoutFor,
  UsageError,
  type CliOutput,
} from "./client-options.js";

export const REPLAY_USAGE = `Usage: frontdesk replay FILE... [options]

Sends captured Vapi payloads (copied from the Vapi dashboard or a log) to a frontdesk, signed with
this environment's credentials, in order, and shows each answer and any protocol violation.
A FILE holds one {"message": {...}} payload, a bare message {"type": ...}, a JSON array of them,
or one per line (NDJSON).

  --url URL                server base URL or webhook URL (default http://127.0.0.1:$PORT)
  --number E164            send every payload to this dialed number instead (e.g. a local tenant)
  --fresh-call-ids         give each captured call a new id (replays are not deduplicated)
  --auth METHOD            hmac | secret | bearer | none (default: what the environment configures)
  --timeout-ms MS          per request (default 20000)
  --json                   print the report as JSON

Exit code: 0 all answers followed the protocol, 1 a protocol violation, 2 bad usage or bad files.`;

/** `frontdesk replay`: returns the exit code. */
export async function replayCommand(
  args: string[],
  config: Config,
  io: CliOutput,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      ...CLIENT_OPTIONS,
      number: { type: "string" },
      "fresh-call-ids": { type: "boolean" },
    },
  });
  if (positionals.length === 0) throw new UsageError("give at least one FILE");
  const signing = signingFor(config, values.auth);
  const timeoutMs = timeoutFor(values["timeout-ms"]);

  const payloads: CapturedPayload[] = [];
  let unreadable = false;
  for (const file of positionals) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      io.err(`${file}: cannot be read: ${error instanceof Error ? error.message : String(error)}`);
      unreadable = true;
      continue;
    }
    const parsed = parseCapturedPayloads(text, file);
    for (const problem of parsed.problems) io.err(problem);
    unreadable ||= parsed.problems.length > 0;
    payloads.push(...parsed.payloads);
  }
  if (unreadable) {
    io.err("nothing was sent");
    return EXIT_USAGE;
  }

  const report = await replayPayloads(payloads, {
    url: values.url ?? defaultUrl(config),
    sign: signing.sign,
    freshCallIds: values["fresh-call-ids"],
    number: values.number,
    timeoutMs,
  });
  if (values.json === true) {
    io.out(JSON.stringify(report, null, 2));
  } else {
    io.out(`Replaying ${payloads.length} payload(s) to ${report.url} (signing: ${signing.method})`);
    for (const line of formatEvents(report.events)) io.out(line);
    io.out(formatVerdict("replay", report.events.length, report.violations, 0));
  }
  return report.violations > 0 ? EXIT_VIOLATION : 0;
}
