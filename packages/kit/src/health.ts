export type ReadinessCheck = () => Promise<void> | void;

export interface Health {
  /** A dependency the service cannot serve without (a shard, Redis, the broker, …). */
  addCheck(name: string, check: ReadinessCheck): void;
  readiness(): Promise<{ ready: boolean; checks: Record<string, "ok" | string> }>;
  /** Marks the service as draining: /readyz fails at once so load balancers stop sending traffic. */
  setDraining(): void;
}

export function createHealth(opts: { checkTimeoutMs?: number } = {}): Health {
  const checks = new Map<string, ReadinessCheck>();
  let draining = false;
  const timeoutMs = opts.checkTimeoutMs ?? 2000;
  const withTimeout = (name: string, check: ReadinessCheck) =>
    Promise.race([
      Promise.resolve().then(check),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${name} check timed out`)), timeoutMs).unref()),
    ]);
  return {
    addCheck(name, check) {
      checks.set(name, check);
    },
    setDraining() {
      draining = true;
    },
    async readiness() {
      const results: Record<string, string> = {};
      if (draining) results.shutdown = "draining";
      await Promise.all(
        [...checks].map(async ([name, check]) => {
          try {
            await withTimeout(name, check);
            results[name] = "ok";
          } catch (err) {
            results[name] = err instanceof Error ? err.message : String(err);
          }
        }),
      );
      return { ready: Object.values(results).every((r) => r === "ok"), checks: results };
    },
  };
}
