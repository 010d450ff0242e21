import type { Logger } from "pino";
import { backoffDelay, errorMessage, sleep, type DeadLetterReason } from "@plaza/events/contracts";
import type { CounterLog, LogBatch, LogConsumer, LoggedEvent } from "./ports/counter-log.port.ts";
import type { CounterSnapshots } from "./ports/counter-snapshots.port.ts";

export const WRITE_BEHIND_GROUP = "counters.write-behind";

export interface WriteBehindRetry {
  /** Backoff while the durable copy is unreachable: it grows from `initialMs` to `maxMs` and never gives up. */
  initialMs: number;
  maxMs: number;
  /** Attempts of one event on its own (with the durable copy writable) before it is judged unappliable. */
  isolatedAttempts: number;
}

export const DEFAULT_WRITE_BEHIND_RETRY: WriteBehindRetry = { initialMs: 200, maxMs: 10_000, isolatedAttempts: 3 };

export interface WriteBehindDeps {
  log: CounterLog;
  snapshots: CounterSnapshots;
  logger: Logger;
  /** After each persisted batch: events applied (duplicates excluded) and how long it took. */
  onBatch?: (applied: number, durationMs: number) => void;
  /** A round of retries failed because the durable copy is unreachable (the write-behind waits, it parks nothing). */
  onOutageRetry?: () => void;
  /** An event (or an undecodable message) was parked on the dead-letter topic. */
  onDeadLetter?: (reason: DeadLetterReason) => void;
  retry?: Partial<WriteBehindRetry>;
}

/** The consumer is stopping while the durable copy is unreachable: the batch stays unacknowledged. */
class StoppingError extends Error {
  override readonly name = "StoppingError";
}

/** The durable copy failed a write that applies nothing: an outage, not a bad event. */
class OutageError extends Error {
  override readonly name = "OutageError";
}

/**
 * Persists the counter log into the durable copy in batches (write-behind). Idempotent: each shard stores the last
 * offset it applied per partition in the same transaction as the aggregates, so a batch redelivered after a crash
 * or a rebalance changes nothing. Each partition starts where the durable copy stopped, whatever the consumer
 * group remembers; a new database starts at the group's position, or at the log's end for a new deployment.
 *
 * A batch that fails is never skipped, and one bad event never stalls its partition:
 * - if a write that applies nothing (`probe`) fails too, the durable copy is down: retry with backoff, for ever;
 * - otherwise the batch is bisected: the halves that apply are kept, and an event that still fails on its own while
 *   the durable copy is writable is parked on the log's dead-letter topic (it stays in the log as well, and Redis
 *   keeps its effect), then the partition's offset moves past it. Nothing is ever parked during an outage, and the
 *   offset never moves past an event that was neither applied nor parked.
 */
export async function startWriteBehind(deps: WriteBehindDeps): Promise<LogConsumer> {
  const { log, snapshots, logger } = deps;
  const retry: WriteBehindRetry = { ...DEFAULT_WRITE_BEHIND_RETRY, ...deps.retry };
  const stopping = new AbortController();

  const apply = (partition: number, records: readonly LoggedEvent[], lastOffset: number) =>
    snapshots.applyBatch(log.id, { partition, records, lastOffset });

  async function writable(partition: number): Promise<boolean> {
    try {
      await snapshots.probe(log.id, partition);
      return true;
    } catch {
      return false;
    }
  }

  async function pause(attempt: number): Promise<void> {
    if (stopping.signal.aborted) throw new StoppingError("write-behind stopping");
    await sleep(backoffDelay(attempt, retry.initialMs, retry.maxMs), stopping.signal);
    if (stopping.signal.aborted) throw new StoppingError("write-behind stopping");
  }

  /** One event that fails on its own: retried a few times, then parked, unless the durable copy is down. */
  async function applyAlone(partition: number, record: LoggedEvent, lastOffset: number): Promise<number> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= retry.isolatedAttempts; attempt++) {
      // Short and bounded, and not cut short by a stop: a graceful shutdown still drains past a bad event.
      if (attempt > 1) await sleep(backoffDelay(attempt - 1, retry.initialMs, retry.maxMs / 10));
      try {
        return await apply(partition, [record], lastOffset);
      } catch (error) {
        lastError = error;
      }
    }
    if (!(await writable(partition))) throw new OutageError(errorMessage(lastError));
    await log.deadLetter({
      groupId: WRITE_BEHIND_GROUP,
      partition,
      offset: record.offset,
      event: record.event,
      reason: "handler-failed",
      error: errorMessage(lastError),
      attempts: retry.isolatedAttempts,
    });
    logger.error(
      { partition, offset: record.offset, eventId: record.event.id, type: record.event.type, err: lastError },
      "write-behind parked a counter event it cannot apply on the dead-letter topic",
    );
    deps.onDeadLetter?.("handler-failed");
    // Parked: the partition's position moves past it (and past whatever else this range covers).
    await apply(partition, [], lastOffset).catch((error: unknown) => {
      throw new OutageError(errorMessage(error));
    });
    return 0;
  }

  /** Applies consecutive records up to `lastOffset`, halving the range around what fails. */
  async function bisect(partition: number, records: readonly LoggedEvent[], lastOffset: number): Promise<number> {
    try {
      return await apply(partition, records, lastOffset);
    } catch (error) {
      if (records.length === 0) throw new OutageError(errorMessage(error));
      if (records.length === 1) return applyAlone(partition, records[0]!, lastOffset);
      const middle = Math.floor(records.length / 2);
      const left = records.slice(0, middle);
      const applied = await bisect(partition, left, left.at(-1)!.offset);
      return applied + (await bisect(partition, records.slice(middle), lastOffset));
    }
  }

  async function persist(batch: LogBatch): Promise<number> {
    let failure: unknown;
    try {
      return await apply(batch.partition, batch.records, batch.lastOffset);
    } catch (error) {
      failure = error;
    }
    for (let attempt = 1; ; attempt++) {
      if (await writable(batch.partition)) {
        try {
          return await bisect(batch.partition, batch.records, batch.lastOffset);
        } catch (error) {
          if (!(error instanceof OutageError)) throw error;
          failure = error;
        }
      }
      logger.warn(
        { partition: batch.partition, lastOffset: batch.lastOffset, attempt, err: failure },
        "write-behind cannot reach the durable copy; retrying",
      );
      deps.onOutageRetry?.();
      await pause(attempt);
    }
  }

  const consumer = await log.consume({
    groupId: WRITE_BEHIND_GROUP,
    async handleBatch(batch) {
      const started = performance.now();
      const applied = await persist(batch);
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
    onUndecodable: (reason) => deps.onDeadLetter?.(reason),
  });
  return {
    async stop() {
      // A batch retrying through an outage gives up unacknowledged (its events are read again on the next start).
      stopping.abort();
      await consumer.stop();
    },
  };
}
