/**
 * Waits for a condition that no event announces (a count the master updates from another process's report, a
 * process disappearing from /proc). Checks once per event-loop turn, up to `limit` ms, then throws.
 */
export async function until(what: string, condition: () => boolean, limit = 2000): Promise<number> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > limit) throw new Error(`timed out after ${limit} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return performance.now() - started;
}
