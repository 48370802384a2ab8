import { readFile } from "node:fs/promises";
import process from "node:process";
import { parseArgs } from "node:util";
import type { Config } from "../config.js";
import { resolveWebhookUrl } from "../simulator/webhook-client.js";
import { EXIT_USAGE, signingFor, UsageError, type CliOutput } from "./client-options.js";

export const SIGN_USAGE = `Usage: frontdesk sign [FILE | -] [--auth METHOD] [--curl URL]

Prints the headers a webhook body needs (one "name: value" per line), signed with this
environment's VAPI_SECRET / VAPI_HMAC_* settings. The body is FILE's exact bytes, or stdin.
Send exactly those bytes: curl --data-binary @FILE (not -d, which strips line breaks).
HMAC signatures carry the current time and expire after VAPI_HMAC_TOLERANCE_SECONDS.

  --auth METHOD            hmac | secret | bearer (default: what the environment configures)
  --curl URL               print a whole curl command for that server instead`;

/** `frontdesk sign`: returns the exit code. */
export async function signCommand(args: string[], config: Config, io: CliOutput): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { auth: { type: "string" }, curl: { type: "string" } },
  });
  if (positionals.length > 1) throw new UsageError("give one FILE (or - for stdin)");
  const file = positionals[0] ?? "-";
  const signing = signingFor(config, values.auth);
  if (signing.method === "none") {
    io.err("nothing to sign with: set VAPI_SECRET or VAPI_HMAC_SECRET (the server's own settings)");
    return EXIT_USAGE;
  }
  const body = file === "-" ? await readStdin() : await readFile(file);
  const headers = { "content-type": "application/json", ...signing.sign(body) };

  if (values.curl === undefined) {
    for (const [name, value] of Object.entries(headers)) io.out(`${name}: ${value}`);
  } else {
    const data = file === "-" ? "@-" : `@${file}`;
    const flags = Object.entries(headers).map(
      ([name, value]) => `-H ${quote(`${name}: ${value}`)}`,
    );
    io.out(
      `curl -sS ${quote(resolveWebhookUrl(values.curl))} ${flags.join(" ")} --data-binary ${quote(data)}`,
    );
  }
  return 0;
}

/** Single-quoted for a POSIX shell. */
function quote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}
