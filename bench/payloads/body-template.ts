import { randomUUID } from "node:crypto";

/**
 * A JSON body with `@@NAME@@` placeholders, split once so that each request only joins a few
 * strings (the load generator shares the CPU with the server, so per-request work must be tiny).
 */
export interface BodyTemplate {
  /** Length in bytes of the body with every placeholder filled by a value of `sampleLength`. */
  readonly approxBytes: number;
  render(values: Readonly<Record<string, string>>): string;
}

const PLACEHOLDER = /@@([A-Z0-9_]+)@@/g;

/** Placeholder text for `name`; only characters JSON.stringify leaves untouched. */
export function placeholder(name: string): string {
  return `@@${name}@@`;
}

export function createBodyTemplate(json: string, sampleLength = 36): BodyTemplate {
  const literals: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const match of json.matchAll(PLACEHOLDER)) {
    literals.push(json.slice(last, match.index));
    names.push(match[1] ?? "");
    last = match.index + match[0].length;
  }
  literals.push(json.slice(last));
  const literalBytes = literals.reduce((sum, part) => sum + Buffer.byteLength(part), 0);

  return {
    approxBytes: literalBytes + names.length * sampleLength,
    render(values) {
      let out = literals[0] ?? "";
      for (let index = 0; index < names.length; index += 1) {
        const name = names[index] ?? "";
        const value = values[name];
        if (value === undefined) throw new Error(`no value for placeholder ${name}`);
        out += value + (literals[index + 1] ?? "");
      }
      return out;
    },
  };
}

/**
 * Unique, realistic-looking ids without per-request randomness: a random run prefix plus a
 * counter, so ids never repeat within a run or across runs against the same database.
 */
export function createIdSequence(): { callId(): string; toolCallId(): string } {
  const run = randomUUID();
  const runHex = run.slice(0, 23); // "xxxxxxxx-xxxx-xxxx-xxxx"
  const runToken = run.replaceAll("-", "").slice(0, 12);
  let next = 0;
  return {
    callId() {
      next += 1;
      return `${runHex}-${next.toString(16).padStart(12, "0")}`;
    },
    toolCallId() {
      next += 1;
      return `call_${runToken}${next.toString(36).padStart(12, "0")}`;
    },
  };
}
