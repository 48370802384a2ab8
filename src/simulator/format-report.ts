import type { SimulationEvent } from "./simulate-call.js";
import type { Exchange } from "./webhook-client.js";

const LABEL_WIDTH = 46;

/** "→ tool-calls check_availability        200   12 ms", then indented details and violations. */
export function formatExchange(
  label: string,
  exchange: Exchange,
  details: readonly string[],
): string[] {
  const status = exchange.status === 0 ? "---" : String(exchange.status);
  const lines = [
    `→ ${label.padEnd(LABEL_WIDTH)} ${status.padStart(3)} ${Math.round(exchange.durationMs).toString().padStart(5)} ms`,
  ];
  // A line break inside an answer is itself a violation; keep it visible on one line.
  for (const detail of details) lines.push(`    ${detail.replace(/\r?\n/g, "\\n")}`);
  for (const violation of exchange.violations) lines.push(`    ✗ PROTOCOL VIOLATION: ${violation}`);
  if (exchange.violations.length > 0 && exchange.body !== "") {
    lines.push(`    answer was: ${truncate(exchange.body, 400)}`);
  }
  return lines;
}

export function formatEvents(events: readonly SimulationEvent[]): string[] {
  return events.flatMap((event) =>
    event.kind === "warning"
      ? [`    ! ${event.text}`]
      : formatExchange(event.label, event.exchange, event.details),
  );
}

/** The closing line: ✓ when nothing broke the protocol, ✗ with the count otherwise. */
export function formatVerdict(
  what: string,
  requests: number,
  violations: number,
  warnings: number,
): string {
  const extra = warnings > 0 ? `, ${warnings} warning(s)` : "";
  return violations === 0
    ? `✓ ${what}: ${requests} request(s), no protocol violations${extra}`
    : `✗ ${what}: ${requests} request(s), ${violations} PROTOCOL VIOLATION(S)${extra}`;
}

function truncate(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
