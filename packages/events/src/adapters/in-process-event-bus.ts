import type { Logger } from "pino";
import type { EventEnvelope } from "../envelope.ts";
import {
  DEFAULT_HANDLER_RETRY,
  type DeadLetter,
  type EventBus,
  type EventHandler,
  type HandlerRetryPolicy,
  type SubscribeOptions,
  type Subscription,
} from "../event-bus.port.ts";
import { parseEventWithDefinition } from "../parse-event.ts";
import { eventRegistry, type EventRegistry } from "../registry.ts";
import { errorMessage, retryThroughOutage, runWithRetry } from "../retry.ts";

export interface InProcessEventBusOptions {
  logger?: Logger;
  registry?: EventRegistry;
  /** Virtual partitions per topic: the unit of ordering and of work sharing inside a group. */
  partitions?: number;
  handlerRetry?: Partial<HandlerRetryPolicy>;
  /** Called for every message a group gives up on (also kept in `deadLetters()`). */
  onDeadLetter?: (deadLetter: DeadLetter) => void;
  /** How many dead letters `deadLetters()` keeps (oldest dropped first). */
  maxDeadLetters?: number;
  /** Already-consumed events kept per partition for late `fromBeginning` subscribers. */
  retainPerPartition?: number;
}

export interface InProcessEventBus extends EventBus {
  /** Dead letters, oldest first (bounded by `maxDeadLetters`). */
  deadLetters(): readonly DeadLetter[];
  /** Resolves when every published event has been handled (or dead-lettered) by every active member. */
  idle(): Promise<void>;
}

interface LogEntry {
  event: EventEnvelope;
}

/** An append-only log; `base` is the offset of `entries[0]` (older entries were trimmed). */
interface PartitionLog {
  base: number;
  entries: LogEntry[];
}

interface Member {
  id: number;
  topics: Set<string>;
  handler: EventHandler;
  dependenciesUp?: () => Promise<void>;
  abort: AbortController;
  /** Handler runs in progress, awaited by `stop()`. */
  inFlight: Set<Promise<unknown>>;
}

interface Group {
  id: string;
  members: Member[];
  /** Next offset to deliver, per "topic#partition". */
  positions: Map<string, number>;
  /** Partitions with a running delivery loop (at most one per partition keeps per-key order). */
  running: Map<string, Promise<void>>;
}

const YIELD_EVERY = 64;

/** The per-event handler of a subscription; a batch handler gets batches of one here (nothing to merge in-process). */
function eventHandlerOf(options: SubscribeOptions): EventHandler {
  if (options.handler) return options.handler;
  const batchHandler = options.batchHandler;
  return (event, meta) =>
    batchHandler([event], {
      topic: meta.topic,
      partition: meta.partition,
      firstOffset: meta.offset,
      lastOffset: meta.offset,
      attempt: meta.attempt,
    });
}

/** Stable string hash (FNV-1a) so one aggregate always maps to one partition. */
function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The embedded single-process event bus. It mirrors Kafka's semantics where consumers can tell:
 * per-topic partitioned logs keyed by aggregate id, consumer groups with positions, work sharing
 * inside a group, per-key order, asynchronous at-least-once delivery with retries, then dead letters.
 * Nothing is persisted: events live as long as the process.
 */
export function createInProcessEventBus(options: InProcessEventBusOptions = {}): InProcessEventBus {
  const registry = options.registry ?? eventRegistry;
  const partitionCount = Math.max(1, options.partitions ?? 8);
  const retry: HandlerRetryPolicy = { ...DEFAULT_HANDLER_RETRY, ...options.handlerRetry };
  const maxDeadLetters = options.maxDeadLetters ?? 1_000;
  const retainPerPartition = options.retainPerPartition ?? 1_000;
  const logger = options.logger;

  const topics = new Map<string, PartitionLog[]>();
  const groups = new Map<string, Group>();
  const deadLetters: DeadLetter[] = [];
  const deadLetterListeners = new Set<(deadLetter: DeadLetter) => void>();
  let nextMemberId = 1;
  let closed = false;

  function logOf(topic: string): PartitionLog[] {
    let partitions = topics.get(topic);
    if (!partitions) {
      partitions = Array.from({ length: partitionCount }, () => ({ base: 0, entries: [] }));
      topics.set(topic, partitions);
    }
    return partitions;
  }

  const endOffset = (log: PartitionLog) => log.base + log.entries.length;
  const slot = (topic: string, partition: number) => `${topic}#${partition}`;

  /** Kafka's range-style assignment, recomputed on every step so joins and leaves rebalance at once. */
  function ownerOf(group: Group, topic: string, partition: number): Member | undefined {
    const candidates = group.members.filter((member) => member.topics.has(topic));
    return candidates[partition % Math.max(1, candidates.length)];
  }

  function schedule(group: Group, topic: string, partition: number): void {
    const key = slot(topic, partition);
    if (group.running.has(key)) return;
    const loop = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => deliverLoop(group, topic, partition))
      .catch((error: unknown) =>
        logger?.error({ err: error, groupId: group.id, topic, partition }, "in-process delivery loop failed"),
      )
      .finally(() => {
        group.running.delete(key);
        // An event published while the loop was finishing must not wait for the next publish.
        const position = group.positions.get(key) ?? 0;
        if (position < endOffset(logOf(topic)[partition]!) && ownerOf(group, topic, partition)) schedule(group, topic, partition);
      });
    group.running.set(key, loop);
  }

  async function deliverLoop(group: Group, topic: string, partition: number): Promise<void> {
    const log = logOf(topic)[partition]!;
    const key = slot(topic, partition);
    for (let delivered = 0; ; delivered++) {
      // Handlers that never block would otherwise run a long backlog in one macrotask and starve I/O.
      if (delivered > 0 && delivered % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      let position = group.positions.get(key) ?? log.base;
      if (position < log.base) {
        logger?.warn(
          { groupId: group.id, topic, partition, skipped: log.base - position },
          "in-process consumer fell behind retention",
        );
        position = log.base;
      }
      if (position >= endOffset(log)) return;
      const owner = ownerOf(group, topic, partition);
      if (!owner) return;

      const entry = log.entries[position - log.base]!;
      const offset = String(position);
      const run = (attempt: number) => owner.handler(structuredClone(entry.event), { topic, partition, offset, attempt });
      const delivery = (async () => {
        const outcome = await runWithRetry(async (attempt) => run(attempt), retry, { signal: owner.abort.signal });
        if (outcome.ok || outcome.aborted || !owner.dependenciesUp) return outcome;
        // An outage is waited out; only an event that fails while the handler's dependencies are up is parked.
        const verdict = await retryThroughOutage(async () => run(outcome.attempts + 1), owner.dependenciesUp, {
          signal: owner.abort.signal,
          initialBackoffMs: retry.initialBackoffMs,
          maxBackoffMs: retry.maxBackoffMs,
          onOutage: (round, error) =>
            logger?.warn({ err: error, groupId: group.id, topic, round }, "handler's dependencies are down; retrying"),
        });
        if (verdict === "ok") return { ok: true as const, attempts: outcome.attempts + 1 };
        return { ...outcome, aborted: verdict === "aborted" };
      })();
      owner.inFlight.add(delivery);
      const outcome = await delivery.finally(() => owner.inFlight.delete(delivery));
      // The member left mid-retry: keep the position so the next owner gets the event again.
      if (!outcome.ok && outcome.aborted) continue;
      if (!outcome.ok) {
        recordDeadLetter({
          groupId: group.id,
          consumer: group.id,
          topic,
          partition,
          offset,
          key: entry.event.aggregateId,
          reason: "handler-failed",
          error: errorMessage(outcome.error),
          attempts: outcome.attempts,
          event: entry.event,
          deadLetteredAt: new Date().toISOString(),
        });
      }
      group.positions.set(key, position + 1);
      trim(topic, partition);
    }
  }

  function recordDeadLetter(deadLetter: DeadLetter): void {
    deadLetters.push(deadLetter);
    if (deadLetters.length > maxDeadLetters) deadLetters.shift();
    logger?.warn(
      {
        groupId: deadLetter.groupId,
        topic: deadLetter.topic,
        eventId: deadLetter.event?.id,
        reason: deadLetter.reason,
        error: deadLetter.error,
      },
      "event dead-lettered",
    );
    for (const listener of [options.onDeadLetter, ...deadLetterListeners]) {
      try {
        listener?.(deadLetter);
      } catch (error) {
        logger?.error({ err: error }, "onDeadLetter callback failed");
      }
    }
  }

  /** Drops entries every active group has consumed, beyond the retained tail. */
  function trim(topic: string, partition: number): void {
    const log = logOf(topic)[partition]!;
    let consumedByAll = endOffset(log);
    for (const group of groups.values()) {
      if (!group.members.some((member) => member.topics.has(topic))) continue;
      consumedByAll = Math.min(consumedByAll, group.positions.get(slot(topic, partition)) ?? log.base);
    }
    const droppable = consumedByAll - retainPerPartition - log.base;
    // Splice in chunks: trimming one entry per delivery would make every delivery O(n).
    if (droppable >= Math.max(64, retainPerPartition / 4)) {
      log.entries.splice(0, droppable);
      log.base += droppable;
    }
  }

  function groupOf(groupId: string): Group {
    let group = groups.get(groupId);
    if (!group) {
      group = { id: groupId, members: [], positions: new Map(), running: new Map() };
      groups.set(groupId, group);
    }
    return group;
  }

  function scheduleGroup(group: Group): void {
    for (const member of group.members) {
      for (const topic of member.topics) {
        for (let partition = 0; partition < partitionCount; partition++) schedule(group, topic, partition);
      }
    }
  }

  return {
    async publish(events) {
      if (closed) throw new Error("Event bus is closed");
      // Validate everything before appending anything, and hand consumers a decoded copy as Kafka would.
      const accepted = events.map((event) => parseEventWithDefinition(JSON.parse(JSON.stringify(event)), registry));
      const touched = new Set<string>();
      for (const { event, definition } of accepted) {
        const partition = hashKey(event.aggregateId) % partitionCount;
        logOf(definition.topic)[partition]!.entries.push({ event });
        touched.add(slot(definition.topic, partition));
      }
      for (const key of touched) {
        const [topic, partition] = key.split("#") as [string, string];
        trim(topic, Number(partition));
      }
      for (const group of groups.values()) {
        for (const key of touched) {
          const [topic, partition] = key.split("#") as [string, string];
          if (ownerOf(group, topic, Number(partition))) schedule(group, topic, Number(partition));
        }
      }
    },

    async subscribe(subscribeOptions: SubscribeOptions): Promise<Subscription> {
      if (closed) throw new Error("Event bus is closed");
      const group = groupOf(subscribeOptions.groupId);
      for (const topic of subscribeOptions.topics) {
        const partitions = logOf(topic);
        partitions.forEach((log, partition) => {
          const key = slot(topic, partition);
          if (!group.positions.has(key)) group.positions.set(key, subscribeOptions.fromBeginning ? log.base : endOffset(log));
        });
      }
      const member: Member = {
        id: nextMemberId++,
        topics: new Set(subscribeOptions.topics),
        handler: eventHandlerOf(subscribeOptions),
        dependenciesUp: subscribeOptions.dependenciesUp,
        abort: new AbortController(),
        inFlight: new Set(),
      };
      group.members.push(member);
      scheduleGroup(group);

      let stopped: Promise<void> | undefined;
      return {
        stop() {
          stopped ??= (async () => {
            member.abort.abort();
            group.members = group.members.filter((other) => other !== member);
            // Wait for in-flight handlers so a stopped subscriber never runs code afterwards.
            await Promise.all([...member.inFlight]);
            scheduleGroup(group);
          })();
          return stopped;
        },
      };
    },

    async close() {
      closed = true;
      const members = [...groups.values()].flatMap((group) => group.members.splice(0));
      for (const member of members) member.abort.abort();
      await Promise.all(members.flatMap((member) => [...member.inFlight]));
    },

    deadLetters: () => [...deadLetters],

    onDeadLetter(listener) {
      deadLetterListeners.add(listener);
      return () => deadLetterListeners.delete(listener);
    },

    async idle() {
      for (;;) {
        const running = [...groups.values()].flatMap((group) => [...group.running.values()]);
        if (running.length === 0) return;
        await Promise.all(running);
      }
    },
  };
}
