/**
 * Polls `check` until it returns a truthy value (errors count as "not yet") or the time is up.
 * Bounded waits instead of sleeps: tests never depend on timing, only on an upper bound.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  {
    timeoutMs = 20_000,
    intervalMs = 20,
    description = "condition",
  }: { timeoutMs?: number; intervalMs?: number; description?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : "";
      throw new Error(`${description} did not hold within ${timeoutMs} ms${why}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
