/*
 * `npm run bench`: measures the compiled server under autocannon, scenario by scenario, and
 * writes a Markdown report. See bench/README.md.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { format as formatWithPrettier, resolveConfig as resolvePrettierConfig } from "prettier";
import { parse as parseYaml } from "yaml";
import { summarizeCpuProfile } from "./cpu-profile-top.js";
import { summarizeStalls } from "./summarize-stalls.js";
import {
  createRunStore,
  createTemplateLocation,
  type RunStore,
  type StoreKind,
  type StoreSettings,
  type StoreTemplate,
} from "./bench-stores.js";
import {
  formatPeakRss,
  formatReport,
  formatTable,
  isDefective,
  storeLabel,
  type ImportRecord,
  type Machine,
  type RunRecord,
} from "./format-report.js";
import { waitForQuietMachine } from "./machine-load.js";
import { tallyCanonicalLines } from "./tally-log-lines.js";
import { measureScenario, measureWithAutocannonCli, PreflightError } from "./measure.js";
import { parseOptions, USAGE, type BenchOptions } from "./parse-options.js";
import { BULK_TENANT_SET, buildBulkTenants, bulkNumberCount } from "./payloads/bulk-tenants.js";
import type { DialedTenant } from "./payloads/end-of-call-report.js";
import { dialedTenantOf, EXAMPLE_TENANT_FILE, readExampleTenant } from "./example-database.js";
import { SCENARIOS, type Scenario, type ScenarioEnv } from "./scenarios.js";
import {
  startBaseline,
  startFrontdesk,
  type RunningTarget,
  type WebhookSecrets,
} from "./start-frontdesk.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// An idle server plus background daemons use a few ms/s; a test run or build uses hundreds.
const QUIET_BUSY_MS_PER_SECOND = 150;
// Levels at which the server writes its canonical line per webhook.
const VERBOSE_LEVELS = new Set(["info", "debug", "trace"]);

function log(line: string): void {
  process.stderr.write(`${line}\n`);
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

/** One measured combination of the matrix. */
interface RunSpec {
  scenario: Scenario;
  logLevel: string | undefined;
  store: StoreKind;
  redis: boolean;
  workers: number;
}

interface Shared {
  tenant: DialedTenant;
  secrets: WebhookSecrets;
  templates: BulkTemplates;
}

async function runOne(spec: RunSpec, options: BenchOptions, shared: Shared): Promise<RunRecord[]> {
  const { scenario, logLevel } = spec;
  const isBaseline = scenario.target === "baseline";
  const connections =
    options.connections ?? (options.rate === undefined ? scenario.defaultConnections : 64);
  const durationSeconds = Math.max(options.durationSeconds, scenario.minDurationSeconds ?? 0);
  const record: RunRecord = {
    scenario,
    logLevel,
    connections,
    store: isBaseline ? undefined : spec.store,
    redis: spec.redis,
    workers: spec.workers,
  };
  const label = `${scenario.name}${isBaseline ? "" : ` ${storeLabel(record)} workers=${spec.workers}`}${logLevel === undefined ? "" : ` LOG_LEVEL=${logLevel}`}`;
  log(
    `▶ ${label}: ${options.rate === undefined ? `${connections} connections` : `${options.rate.toLocaleString("en-US")} req/s offered over up to ${connections} sockets`}, ${options.warmupSeconds} s warm-up + ${durationSeconds} s`,
  );

  // Node names the profile file itself; a fresh directory per run makes it the only one there.
  const profileDir = options.profile
    ? await mkdtemp(join(tmpdir(), "frontdesk-bench-profile-"))
    : undefined;
  const stallsDir =
    options.stalls && !isBaseline
      ? await mkdtemp(join(tmpdir(), "frontdesk-bench-stalls-"))
      : undefined;
  let measuredWindow: { from: number; to: number } | undefined;
  let target: RunningTarget | undefined;
  let store: RunStore | undefined;
  let undo: (() => Promise<void>) | undefined;
  let cliRecord: RunRecord | undefined;
  try {
    if (isBaseline) {
      target = await startBaseline(
        REPO_ROOT,
        scenario.baselineStack ?? "fastify",
        shared.secrets.secret,
        profileDir,
      );
    } else {
      const workDir = await mkdtemp(join(tmpdir(), "frontdesk-bench-"));
      try {
        const template =
          scenario.tenants === "bulk" ? await shared.templates.get(spec.store) : undefined;
        store = await createRunStore({
          kind: spec.store,
          redis: spec.redis,
          workDir,
          settings: storeSettings(options),
          template,
        });
        target = await startFrontdesk({
          repoRoot: REPO_ROOT,
          workDir,
          tenantFiles: [EXAMPLE_TENANT_FILE],
          logLevel: logLevel ?? "warn",
          secrets: shared.secrets,
          storeEnv: store.env,
          workers: spec.workers,
          extraEnv: {
            ...scenario.serverEnv,
            ...options.serverEnv,
            ...(stallsDir === undefined ? {} : stallRecorderEnv(stallsDir, options.serverEnv)),
          },
          cpuProfileDir: profileDir,
        });
      } catch (error) {
        if (target === undefined) await rm(workDir, { recursive: true, force: true });
        throw error;
      }
    }
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
    const env: ScenarioEnv = {
      tenant: shared.tenant,
      secrets: shared.secrets,
      runSeconds: options.warmupSeconds + durationSeconds + 30,
      workers: spec.workers,
      bulk: BULK_TENANT_SET,
    };
    if (scenario.arrange !== undefined) {
      const prepared = scenario.prepare(env);
      const first = prepared.steps[0];
      if (first === undefined) throw new Error(`${scenario.name} has no steps`);
      undo = await scenario.arrange({
        url: running.url,
        headers: prepared.headers,
        body: first.next({}).body,
        tenant: shared.tenant,
        workers: spec.workers,
        serverEnv: running.env,
      });
    }
    record.measurement = await measureScenario({
      scenario: scenario.name,
      env,
      url: running.url,
      connections,
      rate: options.rate,
      durationSeconds,
      warmupSeconds: options.warmupSeconds,
      checkEvery: options.checkEvery,
      serverPid: running.pid,
      serverLogFile: isBaseline ? undefined : running.logFile,
    });
    const measuredUntil = Date.now();
    measuredWindow = { from: measuredUntil - durationSeconds * 1000, to: measuredUntil };
    record.peakRss = running.peakRssMb();
    if (scenario.name === "baseline-fastify" && options.rate === undefined) {
      // The same server measured by the autocannon CLI in its own process: the check that the
      // harness measures the server, not itself (README, "The load generator"). Once per run
      // is enough; the other baselines only differ in body size.
      const prepared = scenario.prepare(env);
      cliRecord = { ...record, loadGenerator: "autocannon CLI" };
      delete cliRecord.measurement;
      try {
        if (options.quietWaitSeconds > 0) {
          await waitForQuietMachine({
            maxWaitMs: options.quietWaitSeconds * 1000,
            busyThresholdMsPerSecond: QUIET_BUSY_MS_PER_SECOND,
          });
        }
        cliRecord.measurement = await measureWithAutocannonCli({
          url: running.url,
          connections,
          durationSeconds,
          headers: prepared.headers,
          body: prepared.steps[0]?.next({}).body ?? "",
          workDir: running.workDir,
          serverPid: running.pid,
        });
        cliRecord.peakRss = running.peakRssMb();
      } catch (error) {
        cliRecord.failure = error instanceof Error ? error.message : String(error);
      }
    }
    if (!isBaseline && VERBOSE_LEVELS.has(logLevel ?? "")) {
      record.logTally = await tallyCanonicalLines(running.logFile);
    }
  } catch (error) {
    record.failure = error instanceof Error ? error.message : String(error);
    if (!(error instanceof PreflightError))
      log(String(error instanceof Error ? error.stack : error));
  } finally {
    await undo?.().catch((error: unknown) =>
      log(`undoing the arrangement failed: ${String(error)}`),
    );
    await target?.stop();
    await target?.cleanUp();
    await store
      ?.drop()
      .catch((error: unknown) => log(`could not remove ${store?.label ?? ""}: ${String(error)}`));
  }

  if (profileDir !== undefined) {
    try {
      // With workers, each process writes one: keep the largest (the busiest worker's).
      const profiles = (await readdir(profileDir)).filter((name) => name.endsWith(".cpuprofile"));
      const sizes = await Promise.all(
        profiles.map(async (name) => ({ name, size: (await stat(join(profileDir, name))).size })),
      );
      const file = sizes.sort((a, b) => b.size - a.size)[0]?.name;
      if (file !== undefined) {
        const kept = join(
          REPO_ROOT,
          "bench/results/profiles",
          `${scenario.name}-${spec.store}-w${spec.workers}-${logLevel ?? "none"}.cpuprofile`,
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

  if (stallsDir !== undefined) {
    try {
      // Written by each server process as it exits (target.stop() above).
      if (measuredWindow !== undefined) {
        record.stalls = await summarizeStalls(stallsDir, measuredWindow);
      }
    } catch (error) {
      log(`could not read the stall records: ${String(error)}`);
    } finally {
      await rm(stallsDir, { recursive: true, force: true });
    }
  }

  const records = cliRecord === undefined ? [record] : [record, cliRecord];
  for (const done of records) {
    const m = done.measurement;
    const by = done.loadGenerator === undefined ? "" : ` (${done.loadGenerator})`;
    const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : "–");
    log(
      m === undefined
        ? `  ✗${by} ${label}: ${done.failure ?? ""}`
        : `  ${isDefective(done) ? "✗" : "✓"}${by} ${Math.round(m.requestsPerSecond).toLocaleString("en-US")} req/s, p50 ${ms(m.latencyMs.p50)} ms, p99 ${ms(m.latencyMs.p99)} ms, non-2xx ${m.non2xx}, errors ${m.errors}, failed checks ${m.checkFailures}, peak RSS ${formatPeakRss(done.peakRss)} MB, server CPU ${Math.round(m.serverCpuMicrosPerRequest)} µs/req, load generator ${Math.round(m.loadGeneratorCpuMsPerSecond)} ms/s`,
    );
  }
  return records;
}

/**
 * The server's environment for --stalls: the recorder preloaded (through tsx, as it is
 * TypeScript) after whatever NODE_OPTIONS --server-env gave, and where it writes.
 */
function stallRecorderEnv(
  dir: string,
  serverEnv: Readonly<Record<string, string>>,
): Record<string, string> {
  const recorder = join(REPO_ROOT, "bench/stall-recorder.ts");
  const given = serverEnv.NODE_OPTIONS === undefined ? "" : `${serverEnv.NODE_OPTIONS} `;
  return { NODE_OPTIONS: `${given}--import=tsx --import=${recorder}`, BENCH_STALLS_DIR: dir };
}

function storeSettings(options: BenchOptions): StoreSettings {
  return { postgresAdminUrl: options.postgresAdminUrl, redisUrl: options.redisUrl };
}

/**
 * The 10,000-tenant databases, one per store kind, filled once with the compiled CLI (the
 * import is timed: issue 3's "< 30 s") and copied for each run that needs them.
 */
class BulkTemplates {
  readonly imports: ImportRecord[] = [];
  private readonly made = new Map<StoreKind, Promise<StoreTemplate>>();
  private readonly removals: (() => Promise<void>)[] = [];
  private tenantFile: Promise<string> | undefined;

  constructor(private readonly options: BenchOptions) {}

  get(kind: StoreKind): Promise<StoreTemplate> {
    let template = this.made.get(kind);
    if (template === undefined) {
      template = this.make(kind);
      this.made.set(kind, template);
    }
    return template;
  }

  private async writeTenantFile(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "frontdesk-bench-tenants-"));
    this.removals.push(() => rm(dir, { recursive: true, force: true }));
    const base = parseYaml(await readFile(EXAMPLE_TENANT_FILE, "utf8")) as Record<string, unknown>;
    const file = join(dir, "bulk-tenants.json");
    await writeFile(file, JSON.stringify(buildBulkTenants(BULK_TENANT_SET, base)));
    return file;
  }

  private async make(kind: StoreKind): Promise<StoreTemplate> {
    this.tenantFile ??= this.writeTenantFile();
    const file = await this.tenantFile;
    const location = await createTemplateLocation(kind, storeSettings(this.options));
    this.removals.push(() => location.remove());
    log(
      `importing ${BULK_TENANT_SET.tenants.toLocaleString("en-US")} tenants / ${bulkNumberCount(BULK_TENANT_SET).toLocaleString("en-US")} numbers into a ${kind} template (frontdesk tenants import)…`,
    );
    const started = performance.now();
    const result = spawnSync(
      process.execPath,
      [join(REPO_ROOT, "dist/cli/main.js"), "tenants", "import", file],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          NODE_ENV: "production",
          DATABASE_URL: location.databaseUrl,
        },
        encoding: "utf8",
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const seconds = (performance.now() - started) / 1000;
    const output = `${result.stdout}${result.stderr}`.trim();
    this.imports.push({
      store: kind,
      tenants: BULK_TENANT_SET.tenants,
      numbers: bulkNumberCount(BULK_TENANT_SET),
      seconds,
      output: output.split("\n").slice(-3).join(" "),
      ok: result.status === 0,
    });
    log(`  ${result.status === 0 ? "✓" : "✗"} ${seconds.toFixed(1)} s: ${output.slice(-300)}`);
    if (result.status !== 0)
      throw new Error(`importing the bulk tenants failed: ${output.slice(-500)}`);
    return location.template;
  }

  async removeAll(): Promise<void> {
    for (const remove of this.removals.splice(0)) {
      await remove().catch((error: unknown) =>
        log(`could not remove a template: ${String(error)}`),
      );
    }
  }
}

/** The runs of the matrix, grouped by store and worker count so templates are made once. */
function planRuns(options: BenchOptions): { runs: RunSpec[]; skipped: string[] } {
  const runs: RunSpec[] = [];
  const skipped: string[] = [];
  const chosen = options.scenarios
    .map((name) => SCENARIOS.find((candidate) => candidate.name === name))
    .filter((scenario): scenario is Scenario => scenario !== undefined);
  for (const scenario of chosen.filter((candidate) => candidate.target === "baseline")) {
    runs.push({ scenario, logLevel: undefined, store: "sqlite", redis: false, workers: 1 });
  }
  for (const store of options.stores) {
    const redis = options.redis === "auto" ? store === "postgres" : options.redis === "yes";
    for (const workers of options.workers) {
      for (const scenario of chosen.filter((candidate) => candidate.target === "frontdesk")) {
        const needs = scenario.requires;
        const misses: string[] = [];
        if (needs?.store !== undefined && needs.store !== store) misses.push(needs.store);
        if (needs?.redis === true && !redis) misses.push("Redis");
        if (needs?.workers !== undefined && needs.workers !== workers) {
          misses.push(`${needs.workers} worker(s)`);
        }
        if (misses.length > 0) {
          skipped.push(
            `${scenario.name} on ${store}${redis ? "+redis" : ""}, ${workers} worker(s): needs ${misses.join(" and ")}`,
          );
          continue;
        }
        for (const logLevel of options.logLevels) {
          runs.push({ scenario, logLevel, store, redis, workers });
        }
      }
    }
  }
  return { runs, skipped };
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

  const tenant = dialedTenantOf(await readExampleTenant());
  const secrets: WebhookSecrets = {
    secret: randomBytes(24).toString("base64url"),
    hmacSecret: randomBytes(32).toString("hex"),
  };
  const { runs, skipped } = planRuns(options);
  log(
    `${runs.length} run(s)${skipped.length > 0 ? `, ${skipped.length} combination(s) skipped` : ""}`,
  );
  const templates = new BulkTemplates(options);
  const started = Date.now();
  const records: RunRecord[] = [];
  try {
    for (const spec of runs) {
      records.push(...(await runOne(spec, options, { tenant, secrets, templates })));
    }
  } finally {
    await templates.removeAll();
  }
  log(`matrix done in ${Math.round((Date.now() - started) / 1000)} s`);

  const args = process.argv.slice(2);
  const report = formatReport({
    machine: describeMachine(),
    command: `npm run bench${args.length === 0 ? "" : ` -- ${args.join(" ")}`}`,
    durationSeconds: options.durationSeconds,
    warmupSeconds: options.warmupSeconds,
    records,
    imports: templates.imports,
    skipped,
    elapsedSeconds: (Date.now() - started) / 1000,
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
      `\nprofile of ${record.scenario.name} (${storeLabel(record)}, ${record.workers} worker(s), ${record.logLevel ?? ""}): see the report\n`,
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
