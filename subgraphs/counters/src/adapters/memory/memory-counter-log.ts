import { parseEventWithDefinition, type EventEnvelope } from "@plaza/events";
import { murmur3 } from "@plaza/sharding";
import type { Logger } from "pino";
import type {
  ConsumeOptions,
  CounterLog,
  LogConsumer,
  LoggedEvent,
  ParkedEvent,
} from "../../application/ports/counter-log.port.ts";
import type { LogPosition } from "../../application/ports/counter-store.port.ts";

export interface MemoryCounterLogOptions {
  partitions?: number;
  /** Next offset per partition: offsets continue after the ones the durable copy has already seen. */
  startOffsets?: ReadonlyMap<number, number>;
  /** Events after they were appended (the embedded service forwards them to the in-process bus). */
  onAppend?: (events: readonly EventEnvelope[]) => void;
  /** Most events handed to one batch. */
  maxBatch?: number;
  logger?: Logger;
  /** How many parked events `deadLetters()` keeps (oldest dropped first). */
  maxDeadLetters?: number;
}

export interface MemoryCounterLog extends CounterLog {
  /** Events the write-behind parked, oldest first (bounded); each is also logged in full at error level. */
  deadLetters(): readonly ParkedEvent[];
}

interface Partition {
  /** Offset of entries[0]. */
  base: number;
  entries: EventEnvelope[];
}

interface Reader {
  positions: number[];
  wake(): void;
}

/** Same partitioning as the Kafka log: murmur3 of the key. */
export function partitionOfKey(key: string, partitions: number): number {
  return murmur3(key) % partitions;
}

/**
 * The embedded default's counter log: partitioned, with offsets, consumed in batches by the write-behind like the
 * Kafka topic. It lives in process memory, so only a graceful shutdown (which drains it into the database) keeps
 * what it holds; offsets continue across restarts from the durable copy's positions.
 */
export function createMemoryCounterLog(options: MemoryCounterLogOptions = {}): MemoryCounterLog {
  const partitionCount = Math.max(1, options.partitions ?? 8);
  const maxBatch = options.maxBatch ?? 1_000;
  const logger = options.logger;
  const partitions: Partition[] = Array.from({ length: partitionCount }, (_, p) => ({
    base: options.startOffsets?.get(p) ?? 0,
    entries: [],
  }));
  const readers = new Set<Reader>();
  const parked: ParkedEvent[] = [];
  const maxDeadLetters = options.maxDeadLetters ?? 1_000;
  const end = (p: Partition) => p.base + p.entries.length;
  let closed = false;

  /** Drops entries every reader is past. */
  function trim(index: number) {
    const partition = partitions[index]!;
    let min = end(partition);
    for (const reader of readers) min = Math.min(min, reader.positions[index]!);
    const droppable = min - partition.base;
    if (droppable > 0) {
      partition.entries.splice(0, droppable);
      partition.base += droppable;
    }
  }

  return {
    id: "memory",

    async append(events) {
      if (closed) throw new Error("counter log is closed");
      const positions: LogPosition[] = events.map((raw) => {
        const { event } = parseEventWithDefinition(JSON.parse(JSON.stringify(raw)));
        const partition = partitionOfKey(event.aggregateId, partitionCount);
        const target = partitions[partition]!;
        target.entries.push(event);
        return { partition, offset: end(target) - 1 };
      });
      for (const reader of readers) reader.wake();
      options.onAppend?.(events);
      return positions;
    },

    async endOffsets() {
      return new Map(partitions.map((p, index) => [index, end(p)]));
    },

    async consume(consumeOptions: ConsumeOptions): Promise<LogConsumer> {
      const positions = await Promise.all(
        partitions.map((p, index) => consumeOptions.startOffset(index, { logEnd: end(p), committed: null })),
      );
      let stopping = false;
      let wakeUp: (() => void) | undefined;
      const reader: Reader = {
        positions: positions.map((position, index) => Math.max(position, partitions[index]!.base)),
        wake: () => wakeUp?.(),
      };
      readers.add(reader);

      const caughtUp = () => partitions.every((p, index) => reader.positions[index]! >= end(p));
      const loop = (async () => {
        let failures = 0;
        for (;;) {
          let delivered = false;
          for (let index = 0; index < partitionCount; index++) {
            const partition = partitions[index]!;
            const from = reader.positions[index]!;
            if (from >= end(partition)) continue;
            const records: LoggedEvent[] = partition.entries
              .slice(from - partition.base, from - partition.base + maxBatch)
              .map((event, i) => ({ event, offset: from + i }));
            try {
              await consumeOptions.handleBatch({ partition: index, records, lastOffset: from + records.length - 1 });
              reader.positions[index] = from + records.length;
              trim(index);
              delivered = true;
              failures = 0;
            } catch (err) {
              failures += 1;
              logger?.warn({ err, partition: index, failures }, "counter log batch failed; retrying");
              await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** Math.min(failures, 6))));
              if (stopping && failures > 3) return;
            }
          }
          if (delivered) continue;
          // Stopping drains what was appended before the stop (a graceful shutdown keeps every count).
          if (stopping && caughtUp()) return;
          await new Promise<void>((resolve) => {
            wakeUp = resolve;
            if (!caughtUp() || stopping) resolve();
          });
          wakeUp = undefined;
          // Let appends of the same tick join the batch.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();

      return {
        async stop() {
          stopping = true;
          reader.wake();
          await loop;
          readers.delete(reader);
        },
      };
    },

    async deadLetter(event) {
      parked.push(event);
      if (parked.length > maxDeadLetters) parked.shift();
      // The embedded log has no dead-letter topic that outlives the process: the log line is the copy to replay from.
      logger?.error({ deadLetter: event }, "counter event parked (embedded log): replay it from this line");
    },

    deadLetters: () => [...parked],

    async close() {
      closed = true;
    },
  };
}
