/**
 * Runs cleanup steps in order, each one even if an earlier one threw, so that no process, server
 * or temp folder outlives the test file; then throws every failure at once.
 * @throws AggregateError of the steps' errors, if any failed.
 */
export async function closeAll(steps: (() => Promise<unknown> | undefined)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, "cleanup failed");
}
