import type { Logger } from "pino";
import { counterKeyString, type CounterKey } from "../domain/counter.ts";
import type { CounterLog } from "./ports/counter-log.port.ts";
import type { CounterSnapshots } from "./ports/counter-snapshots.port.ts";
import type { CounterStore } from "./ports/counter-store.port.ts";

export interface Rebuilder {
  /** Restores cold counters (with their like sets) from the durable copy. Concurrent callers share rounds. */
  warm(keys: readonly CounterKey[]): Promise<void>;
  /** Restores every counter, then marks the store warm (unless it lost data again meanwhile). */
  full(): Promise<{ seeded: number; warm: boolean; durationMs: number }>;
  /** Resolves once the durable copy includes every event appended to the log so far. */
  waitForDurableCopy(): Promise<void>;
}

export interface RebuilderDeps {
  log: CounterLog;
  snapshots: CounterSnapshots;
  store: CounterStore;
  logger: Logger;
  /** How long a rebuild waits for the write-behind to catch up (COUNTERS_REBUILD_TIMEOUT_MS). */
  timeoutMs: number;
  pollMs?: number;
  onRebuild?: (kind: "keys" | "full", counters: number) => void;
}

/**
 * Rebuilding the hot store after it lost data. The durable copy lags the log by the write-behind's batch, and an
 * event applied to the lost store may not be in it yet, so a rebuild first notes the log's end, waits until every
 * shard has applied the log up to there, then reads counters together with the offset they include and seeds the
 * store with "absent only" semantics. Events past that offset are applied by their own requests (or skipped, if
 * the seed includes them) — so no acknowledged change is lost or counted twice.
 */
export function createRebuilder(deps: RebuilderDeps): Rebuilder {
  const { log, snapshots, store, logger } = deps;
  const pollMs = deps.pollMs ?? 25;

  async function waitForDurableCopy(): Promise<void> {
    const targets = await log.endOffsets();
    const deadline = Date.now() + deps.timeoutMs;
    for (;;) {
      const applied = await snapshots.appliedOffsets(log.id);
      const behind = [...targets].find(([partition, end]) => {
        if (end === 0) return false;
        const entry = applied.get(partition);
        return !entry || !entry.complete || entry.lowest < end - 1;
      });
      if (!behind) return;
      if (Date.now() > deadline) {
        const [partition, end] = behind;
        throw new Error(
          `counters: the durable copy did not catch up within ${deps.timeoutMs} ms ` +
            `(partition ${partition}: applied ${applied.get(partition)?.lowest ?? "nothing"}, log end ${end}); is the write-behind running?`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  // Keys wait in `queued` for the next round; one round runs at a time, so a burst of cold keys after a data loss
  // costs one catch-up wait and one read per shard, not one per key.
  let queued = new Map<string, CounterKey>();
  let next: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;
  let running: Promise<void> | undefined;
  const inRound = new Map<string, Promise<void>>();

  async function runRounds(): Promise<void> {
    while (queued.size > 0) {
      const keys = [...queued.values()];
      const round = next!;
      queued = new Map();
      next = undefined;
      for (const key of keys) inRound.set(counterKeyString(key), round.promise);
      try {
        await waitForDurableCopy();
        const seeded = await store.seed(await snapshots.read(log.id, keys));
        deps.onRebuild?.("keys", seeded);
        logger.info({ counters: keys.length, seeded }, "cold counters rebuilt from the durable copy");
        round.resolve();
      } catch (err) {
        round.reject(err);
      } finally {
        for (const key of keys) if (inRound.get(counterKeyString(key)) === round.promise) inRound.delete(counterKeyString(key));
      }
    }
  }

  function warm(keys: readonly CounterKey[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const key of keys) {
      const id = counterKeyString(key);
      const current = inRound.get(id);
      if (current) {
        waits.push(current);
        continue;
      }
      if (!next) {
        let resolve!: () => void;
        let reject!: (e: unknown) => void;
        const promise = new Promise<void>((res, rej) => {
          resolve = res;
          reject = rej;
        });
        promise.catch(() => undefined);
        next = { promise, resolve, reject };
      }
      queued.set(id, key);
      waits.push(next.promise);
    }
    kick();
    return Promise.all(waits).then(() => undefined);
  }

  function kick(): void {
    if (running) return;
    running = runRounds().finally(() => {
      running = undefined;
      // Keys queued while the last round was finishing.
      if (queued.size > 0) kick();
    });
  }

  let fullRun: Promise<{ seeded: number; warm: boolean; durationMs: number }> | undefined;
  function full() {
    fullRun ??= (async () => {
      const started = Date.now();
      const token = await store.beginFullRebuild();
      await waitForDurableCopy();
      let seeded = 0;
      let counters = 0;
      await snapshots.scan(log.id, async (entries) => {
        counters += entries.length;
        seeded += await store.seed(entries);
      });
      const warmed = await store.completeFullRebuild(token);
      deps.onRebuild?.("full", seeded);
      const durationMs = Date.now() - started;
      logger.info({ counters, seeded, warm: warmed, durationMs }, "hot store rebuilt from the durable copy");
      return { seeded, warm: warmed, durationMs };
    })().finally(() => {
      fullRun = undefined;
    });
    return fullRun;
  }

  return { warm, full, waitForDurableCopy };
}
