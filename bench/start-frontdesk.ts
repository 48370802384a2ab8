import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import {
  childPids,
  findFreePort,
  readCpuTimeMs,
  startChildServer,
  type ChildServer,
} from "./child-server.js";

const run = promisify(execFile);

export interface WebhookSecrets {
  /** Sent as `X-Vapi-Secret` (Vapi's legacy inline secret, protocol reference §8.1). */
  secret: string;
  /** HMAC key for the signed scenario (§8.4). */
  hmacSecret: string;
}

export interface StartFrontdeskOptions {
  repoRoot: string;
  /** The run's directory (logs, SQLite file); created by the caller, removed by cleanUp. */
  workDir: string;
  tenantFiles: readonly string[];
  logLevel: string;
  secrets: WebhookSecrets;
  /** DATABASE_URL and, with Redis, REDIS_URL and REDIS_KEY_PREFIX (bench-stores.ts). */
  storeEnv: Readonly<Record<string, string>>;
  /** 1: `frontdesk serve` (one process); more: `frontdesk serve --workers N` (cluster). */
  workers: number;
  /** Scenario-specific server settings. */
  extraEnv?: Readonly<Record<string, string>> | undefined;
  /** When set, the server runs with `--cpu-prof` and writes its profile here on exit. */
  cpuProfileDir?: string | undefined;
}

export interface RunningTarget extends ChildServer {
  /** Removes the temporary directory (database, logs). */
  cleanUp(): Promise<void>;
  readonly workDir: string;
  /** The environment the server runs with. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * The real server as production runs it: the compiled CLI's `serve` (with `--workers N` for a
 * cluster) on the given store, tenants imported first with the compiled CLI,
 * NODE_ENV=production. Only a minimal environment is passed, so a developer's shell settings
 * cannot leak in.
 */
export async function startFrontdesk(options: StartFrontdeskOptions): Promise<RunningTarget> {
  const { workDir } = options;
  const port = await findFreePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    LOG_LEVEL: options.logLevel,
    VAPI_SECRET: options.secrets.secret,
    VAPI_HMAC_SECRET: options.secrets.hmacSecret,
    ...options.storeEnv,
    ...options.extraEnv,
  };
  const cli = join(options.repoRoot, "dist/cli/main.js");
  await run(process.execPath, [cli, "tenants", "import", ...options.tenantFiles], {
    cwd: options.repoRoot,
    env,
  });
  const server = await startChildServer({
    nodeArgs: [
      ...(options.cpuProfileDir === undefined
        ? []
        : ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`]),
      cli,
      "serve",
      ...(options.workers > 1 ? ["--workers", String(options.workers)] : []),
    ],
    env,
    cwd: options.repoRoot,
    stdoutFile: join(workDir, "server.log"),
    stderrFile: join(workDir, "server.err"),
    port,
  });
  if (options.workers > 1) await waitForWorkers(server, options.workers);
  return Object.assign(server, {
    workDir,
    env,
    cleanUp: () => rm(workDir, { recursive: true, force: true }),
  });
}

/**
 * /healthz answers as soon as one worker listens; the others may still be starting, and
 * connections opened now would all go to the first. Waits until every worker exists and has
 * gone quiet (start-up done: its CPU time stops growing).
 */
async function waitForWorkers(server: ChildServer, workers: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let quietRounds = 0;
  while (Date.now() < deadline) {
    const pids = childPids(server.pid);
    const before = pids.map(readCpuTimeMs);
    await sleep(250);
    const busiest = Math.max(
      0,
      ...pids.map((pid, index) => readCpuTimeMs(pid) - (before[index] ?? 0)),
    );
    quietRounds = pids.length >= workers && busiest < 20 ? quietRounds + 1 : 0;
    if (quietRounds >= 2) return;
  }
  throw new Error(`the ${workers} workers did not all start within 20 s`);
}

/** The HTTP layer of the bare reference server (BASELINE_STACK of bench/baseline-server.ts). */
export type BaselineStack =
  "fastify" | "node-http" | "fastify-sqlite" | "fastify-sqlite-tools" | "fastify-sqlite-required";

/** The bare reference server (bench/baseline-server.ts) on the given stack, started the same way. */
export async function startBaseline(
  repoRoot: string,
  stack: BaselineStack,
  secret: string,
  cpuProfileDir?: string,
): Promise<RunningTarget> {
  const workDir = await mkdtemp(join(tmpdir(), "frontdesk-bench-baseline-"));
  const port = await findFreePort();
  try {
    const server = await startChildServer({
      nodeArgs: [
        ...(cpuProfileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`]),
        "--import",
        "tsx",
        join(repoRoot, "bench/baseline-server.ts"),
      ],
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(port),
        BASELINE_STACK: stack,
        // A fresh file per run, removed with the work directory.
        ...(stack.startsWith("fastify-sqlite")
          ? { BASELINE_SQLITE_FILE: join(workDir, "baseline.db") }
          : {}),
        // Only the required-work floor checks it.
        VAPI_SECRET: secret,
      },
      cwd: repoRoot,
      stdoutFile: join(workDir, "server.log"),
      stderrFile: join(workDir, "server.err"),
      port,
    });
    return Object.assign(server, {
      workDir,
      env: {},
      cleanUp: () => rm(workDir, { recursive: true, force: true }),
    });
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}
