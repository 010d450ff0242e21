export interface WaitForOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between attempts (default 50 ms). */
  intervalMs?: number;
  /** What we are waiting for; used in the timeout error. */
  description?: string;
}

/**
 * Polls `check` until it returns a truthy value and returns that value.
 * Errors thrown by `check` count as "not yet"; the last one is reported if time runs out,
 * so a timeout says why the condition never held instead of just "timed out".
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 50, description = "condition" }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    attempts += 1;
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      lastValue = value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() + intervalMs > deadline) break;
    await sleep(intervalMs);
  }
  const why =
    lastError !== undefined
      ? `last attempt threw: ${describeError(lastError)}`
      : `last value was ${JSON.stringify(lastValue) ?? String(lastValue)}`;
  throw new Error(`waitFor: ${description} did not hold within ${timeoutMs} ms (${attempts} attempts; ${why})`, {
    cause: lastError,
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    // AggregateError (e.g. from net.connect to several addresses) hides the useful part in .errors.
    const nested = error instanceof AggregateError ? error.errors.map(describeError).join("; ") : "";
    return `${error.message || error.name}${nested ? ` [${nested}]` : ""}`;
  }
  return String(error);
}
