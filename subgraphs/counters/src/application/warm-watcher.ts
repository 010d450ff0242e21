import type { Logger } from "pino";
import type { CounterStore } from "./ports/counter-store.port.ts";
import type { Rebuilder } from "./rebuild.ts";

/**
 * Notices that the hot store lost its data (its warm marker is gone: a FLUSHALL, a restart without persistence, a
 * fresh Redis) and rebuilds all of it in the background. Requests do not wait for this: a cold counter they touch
 * is rebuilt on the spot; this restores the rest and lets absent counters read as zero again without a rebuild.
 */
export function startWarmWatcher(deps: { store: CounterStore; rebuilder: Rebuilder; intervalMs: number; logger: Logger }) {
  let running: Promise<void> | undefined;
  let first = true;
  const tick = () => {
    running ??= (async () => {
      const atStart = first;
      first = false;
      if (await deps.store.isWarm()) return;
      // Expected at start with a new or in-memory store; later it means Redis lost its data.
      if (atStart) deps.logger.info("hot store is cold: building it from the durable copy");
      else deps.logger.warn("hot store lost its data: rebuilding it from the durable copy");
      await deps.rebuilder.full();
    })()
      .catch((err: unknown) => deps.logger.warn({ err }, "hot store rebuild failed; will retry"))
      .finally(() => {
        running = undefined;
      });
  };
  tick();
  const timer = setInterval(tick, deps.intervalMs);
  timer.unref();
  return {
    /** Resolves once a rebuild in progress (if any) has finished. */
    settled: () => running ?? Promise.resolve(),
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
