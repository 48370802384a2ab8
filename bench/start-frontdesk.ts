import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { findFreePort, startChildServer, type ChildServer } from "./child-server.js";

const run = promisify(execFile);

export interface WebhookSecrets {
  /** Sent as `X-Vapi-Secret` (Vapi's legacy inline secret, protocol reference §8.1). */
  secret: string;
  /** HMAC key for the signed scenario (§8.4). */
  hmacSecret: string;
}

export interface StartFrontdeskOptions {
  repoRoot: string;
  tenantFiles: readonly string[];
  logLevel: string;
  secrets: WebhookSecrets;
  /** When set, the server runs with `--cpu-prof` and writes its profile here on exit. */
  cpuProfileDir?: string | undefined;
}

export interface RunningTarget extends ChildServer {
  /** Removes the temporary directory (database, logs). */
  cleanUp(): Promise<void>;
  readonly workDir: string;
}

/**
 * The real server as production runs it: compiled `dist/server.js` on a fresh SQLite file in a
 * temporary directory, tenants imported first with the compiled CLI, NODE_ENV=production.
 * Only a minimal environment is passed, so a developer's shell settings cannot leak in.
 */
export async function startFrontdesk(options: StartFrontdeskOptions): Promise<RunningTarget> {
  const workDir = await mkdtemp(join(tmpdir(), "frontdesk-bench-"));
  const port = await findFreePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_URL: join(workDir, "frontdesk.db"),
    LOG_LEVEL: options.logLevel,
    VAPI_SECRET: options.secrets.secret,
    VAPI_HMAC_SECRET: options.secrets.hmacSecret,
  };
  try {
    await run(
      process.execPath,
      [join(options.repoRoot, "dist/cli/main.js"), "tenants", "import", ...options.tenantFiles],
      { cwd: options.repoRoot, env },
    );
    const server = await startChildServer({
      nodeArgs: [
        ...(options.cpuProfileDir === undefined
          ? []
          : ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`]),
        join(options.repoRoot, "dist/server.js"),
      ],
      env,
      cwd: options.repoRoot,
      stdoutFile: join(workDir, "server.log"),
      stderrFile: join(workDir, "server.err"),
      port,
    });
    return Object.assign(server, {
      workDir,
      cleanUp: () => rm(workDir, { recursive: true, force: true }),
    });
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}

/** The bare Fastify reference server (bench/baseline-server.ts), started the same way. */
export async function startBaseline(repoRoot: string): Promise<RunningTarget> {
  const workDir = await mkdtemp(join(tmpdir(), "frontdesk-bench-baseline-"));
  const port = await findFreePort();
  try {
    const server = await startChildServer({
      nodeArgs: ["--import", "tsx", join(repoRoot, "bench/baseline-server.ts")],
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(port),
      },
      cwd: repoRoot,
      stdoutFile: join(workDir, "server.log"),
      stderrFile: join(workDir, "server.err"),
      port,
    });
    return Object.assign(server, {
      workDir,
      cleanUp: () => rm(workDir, { recursive: true, force: true }),
    });
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}
