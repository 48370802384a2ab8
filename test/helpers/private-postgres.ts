import { execFile, execFileSync } from "node:child_process";
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { spareTcpPort } from "./spare-tcp-port.js";

/*
 * A PostgreSQL server of our own, for tests that stop and start it (fault tests). The shared
 * server on 5432 is never touched: this one lives in a temp folder, listens on a spare port on
 * 127.0.0.1 with its unix socket in that folder, trusts local connections, and is removed with
 * its folder by `destroy()`.
 */

const run = promisify(execFile);
const POSTGRES_ROOT = "/usr/lib/postgresql";
const PG_CTL_WAIT_SECONDS = 30;

export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  /** The temp folder holding the data directory, socket and server log. */
  dir: string;
  isRunning(): boolean;
  /** `pg_ctl stop`; `immediate` is a crash-like stop (no checkpoint; recovery on next start). */
  stop(mode?: "immediate" | "fast"): Promise<void>;
  /** `pg_ctl start`, waiting until it accepts connections. */
  start(): Promise<void>;
  /** The server's own log, for failure messages. */
  serverLog(): string;
  /** Stops the server if it runs (whatever state it is in) and deletes the folder. Never throws. */
  destroy(): Promise<void>;
}

/**
 * The newest `/usr/lib/postgresql/<version>/bin` with initdb and pg_ctl, or undefined. Under
 * CI=true missing binaries are a failure, not a skip; elsewhere a loud note is printed.
 */
export function findPostgresBinaries(): string | undefined {
  const versions = existsSync(POSTGRES_ROOT)
    ? readdirSync(POSTGRES_ROOT)
        .filter((name) => /^\d+(\.\d+)?$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const bin = versions
    .map((version) => join(POSTGRES_ROOT, version, "bin"))
    .find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")));
  if (bin !== undefined) return bin;
  const problem = `PostgreSQL server binaries (initdb, pg_ctl) not found under ${POSTGRES_ROOT}/*/bin`;
  if (process.env.CI === "true") throw new Error(`${problem}; they are required under CI=true`);
  process.stderr.write(`\n*** ${problem}: private-PostgreSQL fault tests are SKIPPED ***\n\n`);
  return undefined;
}

/**
 * initdb refuses to run as root, so as root every PostgreSQL command runs as the `postgres`
 * OS user (and the folder is handed to it); as anyone else they run as that user.
 */
function commandRunner(): { owner: { uid: number; gid: number } | undefined; prefix: string[] } {
  if (process.getuid?.() !== 0) return { owner: undefined, prefix: [] };
  const id = (flag: string) =>
    Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { owner: { uid: id("-u"), gid: id("-g") }, prefix: ["runuser", "-u", "postgres", "--"] };
  } catch (error) {
    throw new Error("running as root, but there is no `postgres` OS user to run PostgreSQL as", {
      cause: error,
    });
  }
}

/** initdb + pg_ctl start in a fresh temp folder. Call `destroy()` in afterAll, even on failure. */
export async function startPrivatePostgres(bin: string): Promise<PrivatePostgres> {
  const { owner, prefix } = commandRunner();
  const dir = mkdtempSync(join(tmpdir(), "frontdesk-pg-"));
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  const dataDir = join(dir, "data");
  const logFile = join(dir, "postgres.log");
  let running = false;

  const pg = async (tool: string, args: string[]) => {
    const [command = "", ...rest] = [...prefix, join(bin, tool), ...args];
    try {
      return await run(command, rest, { timeout: (PG_CTL_WAIT_SECONDS + 5) * 1000 });
    } catch (error) {
      const detail = error as { stdout?: string; stderr?: string };
      throw new Error(
        `${tool} ${args.join(" ")} failed: ${detail.stderr ?? ""}${detail.stdout ?? ""}\n${serverLog()}`,
        {
          cause: error,
        },
      );
    }
  };
  const serverLog = () =>
    existsSync(logFile) ? readFileSync(logFile, "utf8").slice(-4000) : "(no server log)";
  const pgCtl = (args: string[]) =>
    pg("pg_ctl", ["-D", dataDir, "-w", "-t", String(PG_CTL_WAIT_SECONDS), ...args]);

  const destroy = async () => {
    if (running || existsSync(join(dataDir, "postmaster.pid"))) {
      await pgCtl(["-m", "immediate", "stop"]).catch(() => undefined);
      // pg_ctl failed and the postmaster is still there: end exactly that process, by its pid.
      const pidFile = join(dataDir, "postmaster.pid");
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").split("\n")[0]) : NaN;
      if (Number.isInteger(pid) && pid > 0) {
        try {
          process.kill(pid, "SIGQUIT");
        } catch {
          // Already gone.
        }
      }
      running = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await pg("initdb", [
      "-D",
      dataDir,
      "--auth=trust",
      "--username=postgres",
      "--encoding=UTF8",
      "--no-sync",
      "--no-instructions",
    ]);
    let port = 0;
    // The port may be taken between choosing and binding it (other tests run in parallel).
    for (let attempt = 1; ; attempt += 1) {
      port = await spareTcpPort();
      appendFileSync(
        join(dataDir, "postgresql.conf"),
        [
          "",
          `port = ${port}`,
          "listen_addresses = '127.0.0.1'",
          `unix_socket_directories = '${dir}'`,
          "max_connections = 40",
          "shared_buffers = 16MB",
          // These tests stop the server process, not the machine: every write PostgreSQL made
          // is in the kernel's page cache and survives an immediate stop. Commits still wait for
          // their WAL to be written (synchronous_commit stays on), so durability is real here.
          "fsync = off",
          "full_page_writes = off",
          "",
        ].join("\n"),
      );
      try {
        await pgCtl(["-l", logFile, "start"]);
        break;
      } catch (error) {
        if (attempt >= 3 || !/could not bind|already in use/i.test(serverLog())) throw error;
      }
    }
    running = true;

    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      dir,
      isRunning: () => running,
      async stop(mode = "immediate") {
        await pgCtl(["-m", mode, "stop"]);
        running = false;
      },
      async start() {
        await pgCtl(["-l", logFile, "start"]);
        running = true;
      },
      serverLog,
      destroy,
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}
