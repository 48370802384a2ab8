import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  isListeningLine,
  spawnServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";
import { killTsxProcesses, type LogLine } from "../helpers/tsx-process.js";

const TEST_TIMEOUT_MS = 60_000;

const folder = mkdtempSync(join(tmpdir(), "frontdesk-startup-"));

afterAll(async () => {
  // Only the processes this file started, by their own handle (normally all exited already).
  await killTsxProcesses();
  rmSync(folder, { recursive: true, force: true });
});

/** The server's environment: `env` and a SQLite file of its own in this file's temp folder. */
function withOwnDatabase(env: Record<string, string>): Record<string, string> {
  return { DATABASE_URL: join(folder, `${randomUUID()}.db`), ...env };
}

const isAuthWarning = (line: LogLine) =>
  line.level === 40 &&
  typeof line.msg === "string" &&
  line.msg.includes("WEBHOOK AUTHENTICATION IS OFF");

// Each case boots a fresh process under tsx (a few seconds each).
describe("start-up", () => {
  it(
    "starts without webhook auth outside production, warning loudly, and shuts down cleanly",
    async () => {
      const server = await startServerProcess(withOwnDatabase({ NODE_ENV: "development" }));
      const warning = server.lines.find(isAuthWarning);
      expect(warning).toBeDefined();
      expect(String(warning?.msg)).toMatch(/VAPI_SECRET.*VAPI_HMAC_SECRET/);

      const response = await fetch(`${server.url}/vapi/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message: { type: "assistant-request" } }),
      });
      expect(response.status).toBe(200);

      server.child.kill("SIGTERM");
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(server.lines.some((line) => line.signal === "SIGTERM")).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "refuses to start in production without webhook auth, listing every problem at once",
    async () => {
      const server = spawnServerProcess(
        withOwnDatabase({ NODE_ENV: "production", PORT: "http", LOG_LEVEL: "loud" }),
      );
      expect((await server.exited).code).toBe(1);
      const stderr = server.stderr();
      expect(stderr).toContain("Invalid configuration");
      expect(stderr).toMatch(/VAPI_SECRET.*VAPI_ALLOW_UNAUTHENTICATED=true/);
      expect(stderr).toMatch(/^ {2}- PORT:/m);
      expect(stderr).toMatch(/^ {2}- LOG_LEVEL:/m);
      expect(server.lines.some(isListeningLine)).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "starts in production without auth only with VAPI_ALLOW_UNAUTHENTICATED=true, still warning",
    async () => {
      const server = await startServerProcess(
        withOwnDatabase({ NODE_ENV: "production", VAPI_ALLOW_UNAUTHENTICATED: "true" }),
      );
      expect(server.lines.some(isAuthWarning)).toBe(true);
      server.child.kill("SIGTERM");
      expect((await server.exited).code).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "starts in production with a secret, without the warning, and enforces it",
    async () => {
      const secret = "startup-test-secret-91c2";
      const server = await startServerProcess(
        withOwnDatabase({ NODE_ENV: "production", VAPI_SECRET: secret }),
      );
      expect(server.lines.some(isAuthWarning)).toBe(false);
      const post = (headers: Record<string, string>) =>
        fetch(`${server.url}/vapi/webhook`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ message: { type: "assistant-request" } }),
        });
      expect((await post({})).status).toBe(401);
      expect((await post({ "x-vapi-secret": secret })).status).toBe(200);
      server.child.kill("SIGTERM");
      expect((await server.exited).code).toBe(0);
      expect(JSON.stringify(server.lines)).not.toContain(secret);
    },
    TEST_TIMEOUT_MS,
  );
});
