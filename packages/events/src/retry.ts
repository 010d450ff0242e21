import type { HandlerRetryPolicy } from "./event-bus.port.ts";

/** Exponential backoff with full jitter, so many consumers failing together do not retry in lockstep. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

export type RetryOutcome = { ok: true; attempts: number } | { ok: false; attempts: number; error: unknown; aborted: boolean };

/**
 * Runs `fn(attempt)` until it succeeds, `policy.attempts` are used up, or `signal` aborts
 * (the consumer is stopping: the message must then stay uncommitted).
 */
export async function runWithRetry(
  fn: (attempt: number) => Promise<void>,
  policy: HandlerRetryPolicy,
  options: { signal?: AbortSignal; beforeRetry?: (attempt: number, error: unknown) => Promise<void> | void } = {},
): Promise<RetryOutcome> {
  const attempts = Math.max(1, policy.attempts);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (options.signal?.aborted) return { ok: false, attempts: attempt - 1, error: lastError, aborted: true };
    try {
      await fn(attempt);
      return { ok: true, attempts: attempt };
    } catch (error) {
      lastError = error;
    }
    if (attempt < attempts) {
      await options.beforeRetry?.(attempt, lastError);
      await sleep(backoffDelay(attempt, policy.initialBackoffMs, policy.maxBackoffMs), options.signal);
    }
  }
  return { ok: false, attempts, error: lastError, aborted: false };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const PROBE_TIMEOUT_MS = 5_000;

/**
 * After a handler used up its retries: while `dependenciesUp` rejects (an outage), waits with backoff and runs the
 * handler again, never giving up; resolves `ok` once a run succeeds, or `failed` once the dependencies are up and
 * the handler still fails (a bad event: the caller dead-letters it). `aborted` when `signal` aborts meanwhile.
 */
export async function retryThroughOutage(
  run: () => Promise<void>,
  dependenciesUp: () => Promise<void>,
  options: {
    signal?: AbortSignal;
    initialBackoffMs: number;
    maxBackoffMs: number;
    onOutage?: (round: number, error: unknown) => Promise<void> | void;
  },
): Promise<"ok" | "failed" | "aborted"> {
  for (let round = 1; ; round++) {
    if (options.signal?.aborted) return "aborted";
    try {
      // A probe that hangs (a client queueing commands until it reconnects) counts as down.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        dependenciesUp(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("dependencies probe timed out")), PROBE_TIMEOUT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
      return "failed";
    } catch (error) {
      await options.onOutage?.(round, error);
    }
    await sleep(backoffDelay(round, options.initialBackoffMs, options.maxBackoffMs), options.signal);
    if (options.signal?.aborted) return "aborted";
    try {
      await run();
      return "ok";
    } catch {
      // Still failing: check the dependencies again.
    }
  }
}
