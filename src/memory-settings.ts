import v8 from "node:v8";

const FLAG = "heap-growing-percent";

/**
 * How far the old generation may grow over what survived the last full collection before V8
 * collects again. V8's default is about three times; 50 % kept peak RSS near 150 MB under webhook
 * load, but not with 10,000 tenants on PostgreSQL + Redis: there ~65 MB stays live (start-up
 * ~30 MB plus ~17 KB per cached tenant) and V8 lets the old generation reach live × factor plus
 * the young generation's capacity (16 MB) before marking, with the young generation's 32 MB
 * beside it. At 50 % that peaked at 204–221 MB; at 20 % at 193–201 MB (hot set of 2,000
 * tenants) and 172–176 MB instead of 182–188 MB (cold lookups), bench/results, 2026-12-06. The
 * price is more full collections, all incremental and concurrent: on the cached hot path about
 * one every 1.2 s instead of every 4 s (a few ms of main thread each), within the run-to-run noise
 * of its CPU per request. Below ~15 % V8's minimum step of 8 MB decides instead.
 */
export const HEAP_GROWING_PERCENT = 20;

/**
 * The V8 flag to set at start-up, or `undefined` when the operator already gave one on the command
 * line or in NODE_OPTIONS (theirs wins).
 */
export function heapGrowthFlag(
  nodeOptions: string | undefined,
  execArgv: readonly string[],
): string | undefined {
  const givenByOperator =
    (nodeOptions ?? "").includes(FLAG) || execArgv.some((flag) => flag.includes(FLAG));
  return givenByOperator ? undefined : `--${FLAG}=${HEAP_GROWING_PERCENT}`;
}

/** Sets the heap growth (above) unless the operator chose one. V8 reads it at every collection. */
export function limitHeapGrowth(
  nodeOptions: string | undefined,
  execArgv: readonly string[],
): void {
  const flag = heapGrowthFlag(nodeOptions, execArgv);
  if (flag !== undefined) v8.setFlagsFromString(flag);
}
