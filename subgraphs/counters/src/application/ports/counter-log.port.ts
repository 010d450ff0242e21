import type { DeadLetterReason, EventEnvelope } from "@plaza/events/contracts";
import type { LogPosition } from "./counter-store.port.ts";

export interface LoggedEvent {
  event: EventEnvelope;
  offset: number;
}

/** Consecutive events of one partition, oldest first. */
export interface LogBatch {
  partition: number;
  records: readonly LoggedEvent[];
  /** Offset of the last message of the batch (also covers messages that could not be decoded). */
  lastOffset: number;
}

export interface ConsumeOptions {
  groupId: string;
  /** Persists a batch; the position advances only once it resolves (a rejected batch is delivered again). */
  handleBatch(batch: LogBatch): Promise<void>;
  /**
   * Where to start reading a partition this consumer was given: the durable copy's own position wins over the
   * group's. `logEnd` is the partition's next offset; `committed` the group's committed offset, if any.
   */
  startOffset(partition: number, at: { logEnd: number; committed: number | null }): Promise<number>;
  /** A message the log itself could not decode was parked on the dead-letter topic (and is skipped). */
  onUndecodable?(reason: DeadLetterReason): void;
}

/** An event the write-behind could not apply, parked on the log's dead-letter topic so its partition moves on. */
export interface ParkedEvent {
  groupId: string;
  partition: number;
  offset: number;
  event: EventEnvelope;
  reason: DeadLetterReason;
  /** Last error message. */
  error: string;
  /** Attempts made to apply the event on its own. */
  attempts: number;
}

export interface LogConsumer {
  stop(): Promise<void>;
}

/**
 * The durable, partitioned log of counter events (Kafka topic plaza.counters.v1; an in-memory log for the embedded
 * default). An event's position is known once `append` resolves, which happens only after the log durably holds it.
 */
export interface CounterLog {
  /** Identifies the log in the durable copy's offset table (`kafka:<topic>`, `memory`). */
  readonly id: string;
  /** Appends events keyed by their aggregate id; resolves with each one's position once durable. */
  append(events: readonly EventEnvelope[]): Promise<LogPosition[]>;
  /** The next offset of every partition (the log end). */
  endOffsets(): Promise<Map<number, number>>;
  consume(options: ConsumeOptions): Promise<LogConsumer>;
  /**
   * Parks an event on the dead-letter topic (`<topic>.dlq`, Kafka) with the bus's dead-letter headers; resolves once
   * durably written there. The event also stays in the log itself (retention) for replay.
   */
  deadLetter(parked: ParkedEvent): Promise<void>;
  /** Flushes pending appends, then releases connections. */
  close(): Promise<void>;
}
