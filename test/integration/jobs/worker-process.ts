/*
 * A worker process for worker-process.test.ts: exactly `frontdesk worker` (the CLI command that
 * builds deps from the environment and runs the job workers until SIGTERM), started through
 * `node --import tsx` so that the test holds the worker's own pid and can SIGKILL it.
 */
import process from "node:process";
import { runCli } from "../../../src/cli/main.js";

const code = await runCli(["worker"], process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
if (code >= 0) process.exitCode = code;
