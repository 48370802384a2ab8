/*
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the server spends its own time
 * (self time per function) and which functions' subtrees are expensive (total time).
 * Usable on its own: `npx tsx bench/cpu-profile-top.ts FILE.cpuprofile [TOP]`.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  where: string;
  selfMs: number;
  totalMs: number;
  selfPercent: number;
  totalPercent: number;
}

export interface ProfileSummary {
  wallMs: number;
  /** Sampled time excluding `(idle)`: what the process actually spent on the CPU. */
  busyMs: number;
  functions: HotSpot[];
  /** Our own functions (compiled src/) by total time: which of our calls are expensive. */
  ownFunctions: HotSpot[];
  /** Self time grouped by package or source file. */
  modules: { module: string; selfMs: number; percent: number }[];
}

/** Reads and summarises one profile; percentages are of busy (non-idle) time. */
export function summarizeCpuProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  for (let index = 0; index < profile.samples.length; index += 1) {
    const id = profile.samples[index] ?? -1;
    // timeDeltas[i] is the gap before sample i; attributing it to sample i is V8's convention.
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  }

  const keyOf = (node: ProfileNode) =>
    `${node.callFrame.functionName || "(anonymous)"}\t${node.callFrame.url === "" ? "(native)" : `${node.callFrame.url}:${node.callFrame.lineNumber + 1}`}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const modules = new Map<string, number>();
  let busyUs = 0;

  // Depth-first from the root, tracking which keys are already on the stack so recursion is
  // not counted twice in total time.
  const subtreeUs = (id: number, onStack: Map<string, number>): number => {
    const node = byId.get(id);
    if (node === undefined) return 0;
    const key = keyOf(node);
    const own = selfUs.get(id) ?? 0;
    if (node.callFrame.functionName !== "(idle)") {
      busyUs += own;
      self.set(key, (self.get(key) ?? 0) + own);
      const module = moduleOf(node.callFrame.url, node.callFrame.functionName);
      modules.set(module, (modules.get(module) ?? 0) + own);
    }
    onStack.set(key, (onStack.get(key) ?? 0) + 1);
    let sum = own;
    for (const child of node.children ?? []) sum += subtreeUs(child, onStack);
    const depth = (onStack.get(key) ?? 1) - 1;
    if (depth === 0) onStack.delete(key);
    else onStack.set(key, depth);
    if (depth === 0 && node.callFrame.functionName !== "(idle)") {
      total.set(key, (total.get(key) ?? 0) + sum);
    }
    return sum;
  };
  const root = profile.nodes[0];
  if (root !== undefined) subtreeUs(root.id, new Map());

  const busyMs = busyUs / 1000;
  const toHotSpot = (key: string): HotSpot => {
    const space = key.indexOf("\t");
    const selfMs = (self.get(key) ?? 0) / 1000;
    const totalMs = (total.get(key) ?? 0) / 1000;
    return {
      name: key.slice(0, space),
      where: shortenUrl(key.slice(space + 1)),
      selfMs,
      totalMs,
      selfPercent: (100 * selfMs) / busyMs,
      totalPercent: (100 * totalMs) / busyMs,
    };
  };
  const functions = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key]) => toHotSpot(key));
  const ownFunctions = [...total.entries()]
    .filter(([key]) => isOwnCode(key.slice(key.indexOf("\t") + 1)))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([key]) => toHotSpot(key));
  return {
    wallMs: (profile.endTime - profile.startTime) / 1000,
    busyMs,
    functions,
    ownFunctions,
    modules: [...modules.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([module, us]) => ({ module, selfMs: us / 1000, percent: (100 * us) / busyUs })),
  };
}

/**
 * Our own code: compiled (`dist/`, the server as the bench runs it) or TypeScript run through
 * tsx (`src/`, e.g. `node --cpu-prof --import tsx bench/webhook-cpu.ts`); not a package's own
 * `dist/` (Kysely's, for one).
 */
function isOwnCode(url: string): boolean {
  return !url.includes("/node_modules/") && /\/(dist|src)\//.test(url);
}

function moduleOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native / V8 builtins)";
  if (url.startsWith("node:")) return "node: core";
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch?.[1] !== undefined) return packageMatch[1];
  const distMatch = /\/dist\/(.+)$/.exec(url);
  if (distMatch?.[1] !== undefined) return `src/${distMatch[1].replace(/\.js$/, ".ts")}`;
  const sourceMatch = /\/(src\/.+\.ts)$/.exec(url);
  if (sourceMatch?.[1] !== undefined) return sourceMatch[1];
  return shortenUrl(url);
}

function shortenUrl(location: string): string {
  return location
    .replace(/^file:\/\/.*?\/node_modules\//, "")
    .replace(/^file:\/\/.*?\/dist\//, "dist/")
    .replace(/^file:\/\/.*?\/src\//, "src/")
    .replace(/^file:\/\//, "");
}

/** The summary as Markdown tables. */
export function formatProfileSummary(summary: ProfileSummary): string {
  const lines = [
    `Sampled ${summary.wallMs.toFixed(0)} ms wall, ${summary.busyMs.toFixed(0)} ms busy (not idle).`,
    "",
    "Hottest functions by self time:",
    "",
    "| self % | total % | function | where |",
    "|---:|---:|---|---|",
    ...summary.functions.map(
      (spot) =>
        `| ${spot.selfPercent.toFixed(1)} | ${spot.totalPercent.toFixed(1)} | \`${spot.name}\` | ${spot.where} |`,
    ),
    "",
    "Our own code (`src/`, compiled or not) by total time, callees included:",
    "",
    "| total % | self % | function | where |",
    "|---:|---:|---|---|",
    ...summary.ownFunctions.map(
      (spot) =>
        `| ${spot.totalPercent.toFixed(1)} | ${spot.selfPercent.toFixed(1)} | \`${spot.name}\` | ${spot.where} |`,
    ),
    "",
    "| self % | module |",
    "|---:|---|",
    ...summary.modules.map((entry) => `| ${entry.percent.toFixed(1)} | ${entry.module} |`),
  ];
  return lines.join("\n");
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write("usage: tsx bench/cpu-profile-top.ts FILE.cpuprofile [TOP]\n");
    process.exitCode = 1;
  } else {
    process.stdout.write(`${formatProfileSummary(summarizeCpuProfile(file, Number(top ?? 25)))}\n`);
  }
}
