import { parseArgs } from "node:util";
import type { Config } from "../config.js";
import { formatEvents, formatVerdict } from "../simulator/format-report.js";
import { SCENARIO_NAMES, type ScenarioName } from "../simulator/scenario.js";
import { SCENARIOS } from "../simulator/scenarios/all-scenarios.js";
import { simulateCall, type SimulationReport } from "../simulator/simulate-call.js";
import {
  CLIENT_OPTIONS,
  defaultUrl,
  EXIT_VIOLATION,
  signingFor,
  timeoutFor,
  UsageError,
  type CliOutput,
} from "./client-options.js";

export const SIMULATE_USAGE = `Usage: frontdesk simulate --number E164 [options]

Plays a whole realistic Vapi call against a frontdesk (local or deployed), signed with this
environment's VAPI_SECRET / VAPI_HMAC_* settings, and checks every answer against the protocol.

  --number E164            the dialed number (a tenant's number), e.g. +61255501234
  --url URL                server base URL or webhook URL (default http://127.0.0.1:$PORT)
  --scenario NAME          ${[...SCENARIO_NAMES, "all"].join(" | ")} (default booking)
${SCENARIO_NAMES.map((name) => `                             ${name}: ${SCENARIOS[name].description}`).join("\n")}
  --phone-number-id ID     the Vapi phone-number id, when the tenant is keyed by it
  --caller E164            the caller's number (default +61491570156)
  --question TEXT          the caller's question in the faq scenario
  --duplicates             send every message after the assistant-request twice
  --out-of-order           send the end-of-call report before the ended status, then a late status
  --auth METHOD            hmac | secret | bearer | none (default: what the environment configures)
  --timeout-ms MS          per request (default 20000)
  --strict                 scenario warnings (e.g. no free slot) fail too
  --json                   print the report as JSON

Exit code: 0 all answers followed the protocol, 1 a protocol violation (or a warning with --strict),
2 bad usage.`;

/** `frontdesk simulate`: returns the exit code. */
export async function simulateCommand(
  args: string[],
  config: Config,
  io: CliOutput,
): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      ...CLIENT_OPTIONS,
      number: { type: "string" },
      scenario: { type: "string" },
      "phone-number-id": { type: "string" },
      caller: { type: "string" },
      question: { type: "string" },
      duplicates: { type: "boolean" },
      "out-of-order": { type: "boolean" },
      strict: { type: "boolean" },
    },
  });
  if (values.number === undefined) throw new UsageError("--number is required");
  const scenarioArg = values.scenario ?? "booking";
  const scenarios: ScenarioName[] =
    scenarioArg === "all"
      ? [...SCENARIO_NAMES]
      : SCENARIO_NAMES.includes(scenarioArg as ScenarioName)
        ? [scenarioArg as ScenarioName]
        : [];
  if (scenarios.length === 0) {
    throw new UsageError(`--scenario must be one of ${[...SCENARIO_NAMES, "all"].join(", ")}`);
  }
  const signing = signingFor(config, values.auth);
  const url = values.url ?? defaultUrl(config);
  const timeoutMs = timeoutFor(values["timeout-ms"]);

  const reports: SimulationReport[] = [];
  for (const scenario of scenarios) {
    if (values.json !== true) {
      io.out(
        `Simulating the ${scenario} scenario: a call to ${values.number} at ${url} (signing: ${signing.method})`,
      );
    }
    const report = await simulateCall({
      url,
      number: values.number,
      phoneNumberId: values["phone-number-id"],
      callerNumber: values.caller,
      scenario,
      sign: signing.sign,
      duplicates: values.duplicates,
      outOfOrder: values["out-of-order"],
      question: values.question,
      timeoutMs,
    });
    reports.push(report);
    if (values.json !== true) {
      io.out(`call ${report.callId}`);
      for (const line of formatEvents(report.events)) io.out(line);
      const requests = report.events.filter((event) => event.kind === "exchange").length;
      io.out(formatVerdict(scenario, requests, report.violations, report.warnings));
      io.out("");
    }
  }
  if (values.json === true)
    io.out(JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2));
  const failed = reports.some(
    (report) => report.violations > 0 || (values.strict === true && report.warnings > 0),
  );
  return failed ? EXIT_VIOLATION : 0;
}
