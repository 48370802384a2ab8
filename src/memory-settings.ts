import v8 from "node:v8";

const FLAG = "heap-growing-percent";

/**
 * By default V8 lets the old generation grow to about three times what survived the last full
 * collection before it collects again; under webhook load that put a process's peak RSS above
 * 200 MB with about 35 MB actually live. Growing by half instead keeps the peak near 150 MB; the
 * extra full collections are incremental and concurrent (bench/results/latest.md shows the CPU
 * per request with it). A flag the operator gives on the command line or in NODE_OPTIONS wins.
 */
export function limitHeapGrowth(nodeOptions: string | undefined, execArgv: readonly string[]): void {
  const givenByOperator =
    (nodeOptions ?? "").includes(FLAG) || execArgv.some((flag) => flag.includes(FLAG));
  if (!givenByOperator) v8.setFlagsFromString(`--${FLAG}=50`);
}
