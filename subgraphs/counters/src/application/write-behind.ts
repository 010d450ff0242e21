import type { Logger } from "pino";
import type { CounterLog, LogConsumer } from "./ports/counter-log.port.ts";
import type { CounterSnapshots } from "./ports/counter-snapshots.port.ts";

export const WRITE_BEHIND_GROUP = "counters.write-behind";

export interface WriteBehindDeps {
  log: CounterLog;
  snapshots: CounterSnapshots;
  logger: Logger;
  /** After each persisted batch: events applied (duplicates excluded) and how long it took. */
  onBatch?: (applied: number, durationMs: number) => void;
}

/**
 * Persists the counter log into the durable copy in batches (write-behind). Idempotent: each shard stores the last
 * offset it applied per partition in the same transaction as the aggregates, so a batch redelivered after a crash
 * or a rebalance changes nothing. Each partition starts where the durable copy stopped, whatever the consumer
 * group remembers; a new database starts at the group's position, or at the log's end for a new deployment.
 */
export function startWriteBehind(deps: WriteBehindDeps): Promise<LogConsumer> {
  const { log, snapshots } = deps;
  return log.consume({
    groupId: WRITE_BEHIND_GROUP,
    async handleBatch(batch) {
      const started = performance.now();
      const applied = await snapshots.applyBatch(log.id, batch);
      deps.onBatch?.(applied, performance.now() - started);
    },
    async startOffset(partition, { logEnd, committed }) {
      const tracked = (await snapshots.appliedOffsets(log.id)).get(partition);
      if (tracked) {
        // Shards added since the partition was last read start with the others.
        if (!tracked.complete) await snapshots.initOffsets(log.id, partition, tracked.lowest);
        return tracked.lowest + 1;
      }
      const origin = committed ?? logEnd;
      deps.logger.info({ partition, origin }, "durable copy starts tracking a counter log partition");
      await snapshots.initOffsets(log.id, partition, origin - 1);
      return origin;
    },
  });
}
