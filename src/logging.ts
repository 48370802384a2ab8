import { randomUUID } from "node:crypto";
import type { LoggerOptions } from "pino";

// Incoming ids are echoed back and written to logs: only short, plain tokens are trusted.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reuses a sane incoming `x-request-id`, otherwise mints a UUID. */
export function generateRequestId(incoming: string | string[] | undefined): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value !== undefined && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * Secrets and caller-identifying fields never reach the log sink. Paths cover request headers
 * (Fastify's default serializer) and fields we may attach to log objects.
 */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['x-vapi-secret']",
  "req.headers['x-signature']",
  "req.headers['x-api-key']",
  "headers.authorization",
  "headers['x-vapi-secret']",
  "secret",
  "token",
  "password",
  "*.secret",
  "*.token",
  "*.password",
  "vapiAuth",
  "*.vapiAuth",
  "callerNumber",
  "*.callerNumber",
  "transcript",
  "*.transcript",
];

export interface LoggerSettings {
  level: string;
  pretty: boolean;
}

export function createLoggerOptions(settings: LoggerSettings): LoggerOptions {
  const options: LoggerOptions = {
    level: settings.level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: { service: "frontdesk" },
  };
  if (settings.pretty) {
    options.transport = { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss.l" } };
  }
  return options;
}
