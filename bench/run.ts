/*
 * `npm run bench`: measures the compiled server under autocannon, scenario by scenario, and
 * writes a Markdown report. See bench/README.md.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { format as formatWithPrettier, resolveConfig as resolvePrettierConfig } from "prettier";
import { parse as parseYaml } from "yaml";
import { summarizeCpuProfile } from "./cpu-profile-top.js";
import {
  formatReport,
  formatTable,
  isDefective,
  type Machine,
  type RunRecord,
} from "./format-report.js";
import { waitForQuietMachine } from "./machine-load.js";
import { tallyCanonicalLines } from "./tally-log-lines.js";
import { measureScenario, PreflightError } from "./measure.js";
import { parseOptions, USAGE, type BenchOptions } from "./parse-options.js";
import type { DialedTenant } from "./payloads/end-of-call-report.js";
import { SCENARIOS, type Scenario } from "./scenarios.js";
import {
  startBaseline,
  startFrontdesk,
  type RunningTarget,
  type WebhookSecrets,
} from "./start-frontdesk.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TENANT_FILE = "examples/tenants/harbourside-plumbing.yaml";
// An idle server plus background daemons use a few ms/s; a test run or build uses hundreds.
const QUIET_BUSY_MS_PER_SECOND = 150;
// Levels at which the server writes its canonical line per webhook.
const VERBOSE_LEVELS = new Set(["info", "debug", "trace"]);

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The tenant id and first phone number of the example tenant file. */
async function readDialedTenant(file: string): Promise<DialedTenant> {
  const document = parseYaml(await readFile(file, "utf8")) as {
    id?: unknown;
    timezone?: unknown;
    phoneNumbers?: { vapiPhoneNumberId?: unknown; number?: unknown }[];
  };
  const phone = document.phoneNumbers?.[0];
  if (
    typeof document.id !== "string" ||
    typeof document.timezone !== "string" ||
    typeof phone?.vapiPhoneNumberId !== "string" ||
    typeof phone.number !== "string"
  ) {
    throw new Error(
      `${file}: expected an id, a timezone and a phone number with vapiPhoneNumberId`,
    );
  }
  return {
    tenantId: document.id,
    timezone: document.timezone,
    vapiPhoneNumberId: phone.vapiPhoneNumberId,
    number: phone.number,
  };
}

function describeMachine(): Machine {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  return {
    date: new Date().toISOString(),
    nodeVersion: process.version,
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    cpuCount: cpuinfo.match(/^processor\s*:/gm)?.length ?? 0,
    kernel: `Linux ${release()}`,
  };
}

async function runOne(
  scenario: Scenario,
  logLevel: string | undefined,
  options: BenchOptions,
  shared: { tenant: DialedTenant; secrets: WebhookSecrets },
): Promise<RunRecord> {
  const connections = options.connections ?? scenario.defaultConnections;
  const record: RunRecord = { scenario, logLevel, connections };
  const label = `${scenario.name}${logLevel === undefined ? "" : ` LOG_LEVEL=${logLevel}`}`;
  log(
    `▶ ${label}: ${connections} connections, ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s`,
  );

  // Node names the profile file itself; a fresh directory per run makes it the only one there.
  const profileDir =
    options.profile && scenario.target === "frontdesk"
      ? await mkdtemp(join(tmpdir(), "frontdesk-bench-profile-"))
      : undefined;
  let target: RunningTarget | undefined;
  try {
    target =
      scenario.target === "baseline"
        ? await startBaseline(REPO_ROOT)
        : await startFrontdesk({
            repoRoot: REPO_ROOT,
            tenantFiles: [join(REPO_ROOT, TENANT_FILE)],
            logLevel: logLevel ?? "warn",
            secrets: shared.secrets,
            cpuProfileDir: profileDir,
          });
    const running = target;
    if (options.quietWaitSeconds > 0) {
      const busy = await waitForQuietMachine({
        maxWaitMs: options.quietWaitSeconds * 1000,
        busyThresholdMsPerSecond: QUIET_BUSY_MS_PER_SECOND,
      });
      if (busy >= QUIET_BUSY_MS_PER_SECOND) {
        log(
          `  machine still busy (${Math.round(busy)} ms/s of CPU used by others); measuring anyway`,
        );
      }
    }
    const prepared = scenario.prepare({
      tenant: shared.tenant,
      secrets: shared.secrets,
      runSeconds: options.warmupSeconds + options.durationSeconds + 30,
    });
    record.measurement = await measureScenario(prepared, {
      url: running.url,
      connections,
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      checkEvery: options.checkEvery,
      serverCpuTimeMs: () => running.cpuTimeMs(),
      serverLogBytes: () => running.logBytes(),
    });
    record.peakRssMb = running.peakRssMb();
    if (scenario.target === "frontdesk" && VERBOSE_LEVELS.has(logLevel ?? "")) {
      record.logTally = await tallyCanonicalLines(running.logFile);
    }
  } catch (error) {
    record.failure = error instanceof Error ? error.message : String(error);
    if (!(error instanceof PreflightError))
      log(String(error instanceof Error ? error.stack : error));
  } finally {
    await target?.stop();
    await target?.cleanUp();
  }

  if (profileDir !== undefined) {
    try {
      const file = (await readdir(profileDir)).find((name) => name.endsWith(".cpuprofile"));
      if (file !== undefined) {
        const kept = join(
          REPO_ROOT,
          "bench/results/profiles",
          `${scenario.name}-${logLevel ?? "none"}.cpuprofile`,
        );
        await mkdir(dirname(kept), { recursive: true });
        await copyFile(join(profileDir, file), kept);
        record.profile = { summary: summarizeCpuProfile(kept), file: relative(REPO_ROOT, kept) };
      }
    } catch (error) {
      log(`could not read the CPU profile: ${String(error)}`);
    } finally {
      await rm(profileDir, { recursive: true, force: true });
    }
  }

  const m = record.measurement;
  log(
    m === undefined
      ? `  ✗ ${label}: ${record.failure ?? ""}`
      : `  ${isDefective(record) ? "✗" : "✓"} ${Math.round(m.requestsPerSecond).toLocaleString("en-US")} req/s, p50 ${m.latencyMs.p50.toFixed(2)} ms, p99 ${m.latencyMs.p99.toFixed(2)} ms, non-2xx ${m.non2xx}, errors ${m.errors}, peak RSS ${(record.peakRssMb ?? NaN).toFixed(0)} MB`,
  );
  return record;
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    log(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  if (options.build) {
    log("building (npm run build)…");
    const build = spawnSync("npm", ["run", "build", "--silent"], {
      cwd: REPO_ROOT,
      stdio: "inherit",
    });
    if (build.status !== 0) {
      log("npm run build failed; fix the build or pass --skip-build to use the existing dist/");
      return 1;
    }
  }

  const tenant = await readDialedTenant(join(REPO_ROOT, TENANT_FILE));
  const secrets: WebhookSecrets = {
    secret: randomBytes(24).toString("base64url"),
    hmacSecret: randomBytes(32).toString("hex"),
  };
  const records: RunRecord[] = [];
  for (const name of options.scenarios) {
    const scenario = SCENARIOS.find((candidate) => candidate.name === name);
    if (scenario === undefined) continue;
    const levels = scenario.target === "frontdesk" ? options.logLevels : [undefined];
    for (const level of levels) {
      records.push(await runOne(scenario, level, options, { tenant, secrets }));
    }
  }

  const args = process.argv.slice(2);
  const report = formatReport({
    machine: describeMachine(),
    command: `npm run bench${args.length === 0 ? "" : ` -- ${args.join(" ")}`}`,
    durationSeconds: options.durationSeconds,
    warmupSeconds: options.warmupSeconds,
    records,
  });
  const out = resolve(
    REPO_ROOT,
    options.out ??
      (options.isStandardRun ? "bench/results/latest.md" : "bench/results/last-partial.md.tmp"),
  );
  await mkdir(dirname(out), { recursive: true });
  // Formatted like every other file in the repository, so `prettier --check .` stays clean.
  const prettierOptions = (await resolvePrettierConfig(out)) ?? {};
  await writeFile(
    out,
    await formatWithPrettier(report, { ...prettierOptions, parser: "markdown" }),
  );

  process.stdout.write(
    `\n${formatTable(records)}\n\nreport written to ${relative(process.cwd(), out)}\n`,
  );
  for (const record of records.filter((candidate) => candidate.profile !== undefined)) {
    process.stdout.write(
      `\nprofile of ${record.scenario.name} (${record.logLevel ?? ""}): see the report\n`,
    );
  }
  const defective = records.filter(isDefective);
  if (defective.length > 0) {
    log(`\n${defective.length} run(s) measured errors or failed their checks: see the report.`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
