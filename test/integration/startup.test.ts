import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// Generous: a cold tsx start on a busy two-core machine takes several seconds.
const STARTUP_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 60_000;

interface RunningProcess {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLine(
    predicate: (line: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>>;
}

const folder = mkdtempSync(join(tmpdir(), "frontdesk-startup-"));
const started: ChildProcess[] = [];

afterAll(() => {
  // Only the processes this file started, by their own handle (normally all exited already).
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  rmSync(folder, { recursive: true, force: true });
});

/** Starts the real entry point (src/server.ts → startServer(process.env)) in a child process. */
function startProcess(env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: join(folder, `${Math.random().toString(36).slice(2)}.db`),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  const lines: Record<string, unknown>[] = [];
  const waiters: {
    predicate: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }[] = [];
  let buffered = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const part of parts) {
      if (part.trim() === "") continue;
      const line = JSON.parse(part) as Record<string, unknown>;
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.predicate(line))) waiter.resolve(line);
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitForLine(predicate) {
      const found = lines.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`no matching log line; stderr: ${stderr}; lines: ${JSON.stringify(lines)}`),
            ),
          STARTUP_TIMEOUT_MS,
        );
        waiters.push({
          predicate,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`process exited before the line appeared; stderr: ${stderr}`));
        });
      });
    },
  };
}

const isListening = (line: Record<string, unknown>) =>
  typeof line.msg === "string" && line.msg.startsWith("Server listening at http://127.0.0.1:");
const isAuthWarning = (line: Record<string, unknown>) =>
  line.level === 40 &&
  typeof line.msg === "string" &&
  line.msg.includes("WEBHOOK AUTHENTICATION IS OFF");

function urlOf(line: Record<string, unknown>): string {
  return String(line.msg).replace("Server listening at ", "");
}

// Each case boots a fresh process under tsx (a few seconds each).
describe("start-up", () => {
  it(
    "starts without webhook auth outside production, warning loudly, and shuts down cleanly",
    async () => {
      const server = startProcess({ NODE_ENV: "development" });
      const listening = await server.waitForLine(isListening);
      const warning = server.lines.find(isAuthWarning);
      expect(warning).toBeDefined();
      expect(String(warning?.msg)).toMatch(/VAPI_SECRET.*VAPI_HMAC_SECRET/);

      const response = await fetch(`${urlOf(listening)}/vapi/webhook`, {
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
      const server = startProcess({ NODE_ENV: "production", PORT: "http", LOG_LEVEL: "loud" });
      expect((await server.exited).code).toBe(1);
      const stderr = server.stderr();
      expect(stderr).toContain("Invalid configuration");
      expect(stderr).toMatch(/VAPI_SECRET.*VAPI_ALLOW_UNAUTHENTICATED=true/);
      expect(stderr).toMatch(/^ {2}- PORT:/m);
      expect(stderr).toMatch(/^ {2}- LOG_LEVEL:/m);
      expect(server.lines.some(isListening)).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "starts in production without auth only with VAPI_ALLOW_UNAUTHENTICATED=true, still warning",
    async () => {
      const server = startProcess({ NODE_ENV: "production", VAPI_ALLOW_UNAUTHENTICATED: "true" });
      await server.waitForLine(isListening);
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
      const server = startProcess({ NODE_ENV: "production", VAPI_SECRET: secret });
      const listening = await server.waitForLine(isListening);
      expect(server.lines.some(isAuthWarning)).toBe(false);
      const post = (headers: Record<string, string>) =>
        fetch(`${urlOf(listening)}/vapi/webhook`, {
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
