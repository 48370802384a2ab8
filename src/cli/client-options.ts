import type { Config } from "../config.js";
import {
  createRequestSigning,
  type RequestSigning,
  type SigningMethod,
} from "../simulator/sign-request.js";

/** Where the simulator, replay and sign write: stdout and stderr lines. */
export type CliOutput = { out: (line: string) => void; err: (line: string) => void };

/** Exit codes of the client commands: 1 = the server broke the protocol, 2 = bad usage. */
export const EXIT_VIOLATION = 1;
export const EXIT_USAGE = 2;

export const SIGNING_METHODS: readonly SigningMethod[] = ["hmac", "secret", "bearer", "none"];

/** Options shared by simulate, replay and sign. */
export const CLIENT_OPTIONS = {
  url: { type: "string" },
  auth: { type: "string" },
  "timeout-ms": { type: "string" },
  json: { type: "boolean" },
} as const;

export function defaultUrl(config: Config): string {
  return `http://127.0.0.1:${config.port === 0 ? 3000 : config.port}`;
}

/** The signer for `--auth` (default: what the configuration has); throws a usage message. */
export function signingFor(config: Config, auth: string | undefined): RequestSigning {
  if (auth !== undefined && !SIGNING_METHODS.includes(auth as SigningMethod)) {
    throw new UsageError(`--auth must be one of ${SIGNING_METHODS.join(", ")}`);
  }
  try {
    return createRequestSigning(config.auth, auth as SigningMethod | undefined);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function timeoutFor(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 1 || ms > 300_000) {
    throw new UsageError("--timeout-ms must be a whole number from 1 to 300000");
  }
  return ms;
}

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
