import type { CounterKey } from "../../domain/counter.ts";
import type { LogBatch } from "./counter-log.port.ts";
import type { SeedEntry } from "./counter-store.port.ts";

export interface AppliedOffset {
  /** The offset every tracking shard has applied up to. */
  lowest: number;
  /** The highest offset some shard has applied. */
  highest: number;
  /** Every shard tracks this partition (a shard that does not has never applied anything of it). */
  complete: boolean;
}

/**
 * The durable copy of every counter and like (Postgres shards), written behind the log in batches.
 * Each shard stores, in the same transaction as the aggregates, the last log offset it has applied per partition:
 * a batch delivered twice is applied once, and a reader knows exactly which events a value includes.
 */
export interface CounterSnapshots {
  /** Applies a batch idempotently (events at or below the stored offset are skipped). Returns how many events were applied. */
  applyBatch(logId: string, batch: LogBatch): Promise<number>;
  /**
   * A write transaction on every shard that applies nothing (touches the partition's offset rows): resolves when the
   * durable copy is writable. Tells an outage (this fails too) from an event that cannot be applied (this succeeds).
   */
  probe(logId: string, partition: number): Promise<void>;
  /** Per partition of the log: how far the shards have applied it (see AppliedOffset). */
  appliedOffsets(logId: string): Promise<Map<number, AppliedOffset>>;
  /** Records "applied up to `offset`" for a partition on shards that do not track it yet (a new database). */
  initOffsets(logId: string, partition: number, offset: number): Promise<void>;
  /** Counters (LIKE ones with their likers) as seed entries; absent counters come back as zero with baseOffset -1. */
  read(logId: string, keys: readonly CounterKey[]): Promise<SeedEntry[]>;
  /** Every stored counter, page by page, each shard from one consistent snapshot. */
  scan(logId: string, onPage: (entries: SeedEntry[]) => Promise<void>, pageSize?: number): Promise<void>;
}
