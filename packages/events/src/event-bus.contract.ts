import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createEvent } from "./create-event.ts";
import type { EventEnvelope } from "./envelope.ts";
import { InvalidEventError } from "./errors.ts";
import type { BatchDeliveryMeta, DeadLetter, DeliveryMeta, EventBus, Subscription } from "./event-bus.port.ts";
import { defineEvent, EventRegistry } from "./registry.ts";
import { eventually } from "./testing/eventually.ts";

/** What a contract run needs from an adapter. */
export interface EventBusContractSubject {
  /**
   * A fresh bus that validates against `registry` and reports dead letters to `onDeadLetter`.
   * Use a short handler retry policy (a few attempts, milliseconds of backoff): the suite waits for dead letters.
   */
  makeBus(deps: { registry: EventRegistry; onDeadLetter: (deadLetter: DeadLetter) => void }): Promise<EventBus> | EventBus;
  /** Creates topics with `partitions` partitions before a test uses them (Kafka); omit when topics need no setup. */
  createTopics?(topics: string[], partitions: number): Promise<void>;
  /** Bound of every wait in the suite (default 30 s). */
  timeoutMs?: number;
}

const pingPayload = z.object({ key: z.string(), seq: z.int(), poison: z.boolean().optional(), failOnce: z.boolean().optional() });
type PingPayload = z.infer<typeof pingPayload>;

interface Received {
  event: EventEnvelope<string, PingPayload>;
  meta: DeliveryMeta;
}

/**
 * The behaviour every `EventBus` adapter must share (run against Kafka and the in-process bus):
 * round trip, validation, per-key order, group sharing vs fan-out to groups, at-least-once redelivery,
 * dead letters that do not stop the consumer, and hand-over when a member leaves.
 */
export function runEventBusContract(
  name: string,
  subjectOrFactory: EventBusContractSubject | EventBusContractSubject["makeBus"],
): void {
  const subject: EventBusContractSubject =
    typeof subjectOrFactory === "function" ? { makeBus: subjectOrFactory } : subjectOrFactory;
  const timeoutMs = subject.timeoutMs ?? 30_000;

  describe(`EventBus contract: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    /** A bus, a unique topic carrying a `Ping` event, and collectors. */
    async function setup(partitions = 3) {
      const suffix = randomUUID().slice(0, 8);
      const topic = `contract.${suffix}`;
      const registry = new EventRegistry();
      const Ping = defineEvent("ContractPing", 1, topic, pingPayload, registry);
      const deadLetters: DeadLetter[] = [];
      await subject.createTopics?.([topic], partitions);
      const bus = await subject.makeBus({ registry, onDeadLetter: (deadLetter) => deadLetters.push(deadLetter) });
      cleanups.push(() => bus.close());
      const ping = (key: string, seq: number, extra: Partial<PingPayload> = {}) => createEvent(Ping, key, { key, seq, ...extra });
      const subscribe = async (groupId: string, handler: (received: Received) => Promise<void> | void = () => undefined) => {
        const received: Received[] = [];
        const subscription: Subscription = await bus.subscribe({
          groupId: `${groupId}-${suffix}`,
          topics: [topic],
          fromBeginning: true,
          handler: async (event, meta) => {
            const item = { event: event as EventEnvelope<string, PingPayload>, meta };
            await handler(item);
            received.push(item);
          },
        });
        return { received, subscription };
      };
      /** Subscribes with a batch handler; `received` holds every batch the handler acknowledged. */
      const subscribeBatches = async (
        groupId: string,
        handler: (events: EventEnvelope<string, PingPayload>[], meta: BatchDeliveryMeta) => Promise<void> | void = () =>
          undefined,
      ) => {
        const received: Array<{ events: EventEnvelope<string, PingPayload>[]; meta: BatchDeliveryMeta }> = [];
        const subscription = await bus.subscribe({
          groupId: `${groupId}-${suffix}`,
          topics: [topic],
          fromBeginning: true,
          batchHandler: async (events, meta) => {
            const typed = events as EventEnvelope<string, PingPayload>[];
            await handler(typed, meta);
            received.push({ events: typed, meta });
          },
        });
        return { received, subscription };
      };
      const waitFor = <T>(check: () => T, description: string) => eventually(check, { timeoutMs, description });
      return { bus, topic, Ping, ping, subscribe, subscribeBatches, deadLetters, waitFor };
    }

    const idsOf = (received: readonly Received[]) => received.map((item) => item.event.id);

    it("delivers published events to a subscriber, with their topic and position", async () => {
      const { bus, topic, ping, subscribe, waitFor } = await setup();
      const { received } = await subscribe("round-trip");
      const events = [ping("a", 1), ping("b", 1), ping("a", 2)];
      await bus.publish(events);

      await waitFor(() => received.length >= 3, "3 events received");
      expect(new Set(idsOf(received))).toEqual(new Set(events.map((event) => event.id)));
      const first = received.find((item) => item.event.id === events[0]!.id)!;
      expect(first.event).toEqual(events[0]);
      expect(first.meta).toMatchObject({ topic, attempt: 1 });
      expect(first.meta.partition).toBeGreaterThanOrEqual(0);
      expect(first.meta.offset).toMatch(/^\d+$/);
    });

    it("rejects events that do not match their registered schema", async () => {
      const { bus, ping } = await setup();
      const valid = ping("a", 1);
      await expect(bus.publish([{ ...valid, payload: { key: "a", seq: "not a number" } }])).rejects.toBeInstanceOf(
        InvalidEventError,
      );
      await expect(bus.publish([{ ...valid, type: "NoSuchEvent" }])).rejects.toMatchObject({ reason: "unknown-event" });
      await expect(bus.publish([{ ...valid, id: "not-a-uuid" }])).rejects.toMatchObject({ reason: "invalid-envelope" });
    });

    it("keeps the order of events with the same key", async () => {
      const { bus, ping, subscribe, waitFor } = await setup();
      const { received } = await subscribe("order");
      const keys = ["k1", "k2", "k3", "k4"];
      for (let round = 0; round < 5; round++) {
        // Interleave keys and batches: order must hold across publish calls.
        await bus.publish(keys.flatMap((key) => [ping(key, round * 2), ping(key, round * 2 + 1)]));
      }
      await waitFor(() => new Set(idsOf(received)).size >= keys.length * 10, "all events received");
      for (const key of keys) {
        const firstSeen: number[] = [];
        for (const { event } of received) {
          if (event.payload.key === key && !firstSeen.includes(event.payload.seq)) firstSeen.push(event.payload.seq);
        }
        expect(firstSeen).toEqual(Array.from({ length: 10 }, (_, index) => index));
      }
    });

    it("shares a group's work between its members, each event handled once", async () => {
      const { bus, ping, subscribe, waitFor } = await setup(4);
      const first = await subscribe("shared");
      const second = await subscribe("shared");
      const events = Array.from({ length: 40 }, (_, index) => ping(`key-${index % 20}`, index));
      await bus.publish(events);

      const all = () => [...first.received, ...second.received];
      await waitFor(() => new Set(idsOf(all())).size >= events.length, "every event handled by the group");
      expect(new Set(idsOf(all()))).toEqual(new Set(events.map((event) => event.id)));
      expect(all()).toHaveLength(events.length);
      expect(first.received.length).toBeGreaterThan(0);
      expect(second.received.length).toBeGreaterThan(0);
    });

    it("delivers every event to every group", async () => {
      const { bus, ping, subscribe, waitFor } = await setup();
      const groupA = await subscribe("fan-out-a");
      const groupB = await subscribe("fan-out-b");
      const events = Array.from({ length: 10 }, (_, index) => ping(`key-${index % 3}`, index));
      await bus.publish(events);

      await waitFor(() => groupA.received.length >= 10 && groupB.received.length >= 10, "both groups received all");
      const expected = new Set(events.map((event) => event.id));
      expect(new Set(idsOf(groupA.received))).toEqual(expected);
      expect(new Set(idsOf(groupB.received))).toEqual(expected);
    });

    it("redelivers an event whose handler threw (at-least-once)", async () => {
      const { bus, ping, subscribe, deadLetters, waitFor } = await setup();
      const attempts = new Map<string, number>();
      const { received } = await subscribe("redelivery", ({ event }) => {
        const count = (attempts.get(event.id) ?? 0) + 1;
        attempts.set(event.id, count);
        if (event.payload.failOnce && count === 1) throw new Error("transient failure");
      });
      const flaky = ping("a", 1, { failOnce: true });
      const next = ping("a", 2);
      await bus.publish([flaky, next]);

      await waitFor(() => received.length >= 2, "both events handled");
      expect(attempts.get(flaky.id)).toBe(2);
      expect(received.find((item) => item.event.id === flaky.id)!.meta.attempt).toBe(2);
      // Per-key order survives the retry.
      expect(idsOf(received)).toEqual([flaky.id, next.id]);
      expect(deadLetters).toEqual([]);
    });

    it("dead-letters an event whose handler keeps failing and keeps consuming", async () => {
      const { bus, topic, ping, subscribe, deadLetters, waitFor } = await setup();
      const { received } = await subscribe("poison", ({ event }) => {
        if (event.payload.poison) throw new Error("cannot handle this one");
      });
      const poison = ping("a", 1, { poison: true });
      await bus.publish([poison]);
      const later = [ping("a", 2), ping("b", 3)];
      await bus.publish(later);

      await waitFor(() => received.length >= 2 && deadLetters.length >= 1, "later events handled and poison dead-lettered");
      expect(idsOf(received).sort()).toEqual(later.map((event) => event.id).sort());
      expect(deadLetters).toHaveLength(1);
      expect(deadLetters[0]).toMatchObject({
        topic,
        reason: "handler-failed",
        key: "a",
        error: "cannot handle this one",
        event: { id: poison.id },
        consumer: expect.stringMatching(/^poison-/),
      });
      expect(deadLetters[0]!.attempts).toBeGreaterThan(1);
    });

    it("waits out an outage of the handler's dependencies instead of dead-lettering, then parks only a bad event", async () => {
      const { bus, topic, ping, deadLetters, waitFor } = await setup(1);
      let down = true;
      let probes = 0;
      const handled: string[] = [];
      await bus.subscribe({
        groupId: `outage-${randomUUID().slice(0, 8)}`,
        topics: [topic],
        fromBeginning: true,
        handler: (event) => {
          if (down) throw new Error("database unreachable");
          if ((event.payload as PingPayload).poison) throw new Error("cannot handle this one");
          handled.push(event.id);
        },
        dependenciesUp: async () => {
          probes += 1;
          if (down) throw new Error("database unreachable");
        },
      });
      const first = ping("a", 1);
      await bus.publish([first]);
      await waitFor(() => probes >= 3, "several outage rounds");
      expect(deadLetters).toEqual([]);
      expect(handled).toEqual([]);

      down = false;
      const poison = ping("a", 2, { poison: true });
      const last = ping("a", 3);
      await bus.publish([poison, last]);
      await waitFor(() => handled.length >= 2 && deadLetters.length >= 1, "recovered, poison parked");
      expect(handled).toEqual([first.id, last.id]);
      expect(deadLetters.map((deadLetter) => deadLetter.event?.id)).toEqual([poison.id]);
    });

    it("hands a stopped member's work to the rest of its group", async () => {
      const { bus, ping, subscribe, waitFor } = await setup(4);
      const leaving = await subscribe("handover");
      const staying = await subscribe("handover");
      await leaving.subscription.stop();
      const countBefore = leaving.received.length;
      const events = Array.from({ length: 12 }, (_, index) => ping(`key-${index}`, index));
      await bus.publish(events);

      await waitFor(() => new Set(idsOf(staying.received)).size >= events.length, "remaining member handled everything");
      expect(leaving.received.length).toBe(countBefore);
    });

    it("lets a new group read events published before it subscribed (fromBeginning)", async () => {
      const { bus, ping, subscribe, waitFor } = await setup();
      const events = [ping("a", 1), ping("b", 2)];
      await bus.publish(events);
      const late = await subscribe("late-group");

      await waitFor(() => late.received.length >= 2, "late group caught up");
      expect(new Set(idsOf(late.received))).toEqual(new Set(events.map((event) => event.id)));
    });

    it("hands a batch handler every event once, in per-key order, and redelivers a batch that failed", async () => {
      const { bus, topic, ping, subscribeBatches, deadLetters, waitFor } = await setup();
      let failed = false;
      const { received } = await subscribeBatches("batches", (events) => {
        if (!failed && events.some((event) => event.payload.failOnce)) {
          failed = true;
          throw new Error("transient failure");
        }
      });
      const events = ["a", "b", "c"].flatMap((key) => [1, 2, 3].map((seq) => ping(key, seq, { failOnce: seq === 2 })));
      await bus.publish(events);

      const handled = () => received.flatMap((batch) => batch.events);
      await waitFor(() => handled().length >= events.length, "every event handled");
      expect(
        handled()
          .map((event) => event.id)
          .sort(),
      ).toEqual(events.map((event) => event.id).sort());
      for (const key of ["a", "b", "c"]) {
        expect(
          handled()
            .filter((event) => event.payload.key === key)
            .map((event) => event.payload.seq),
        ).toEqual([1, 2, 3]);
      }
      for (const { events: batch, meta } of received) {
        expect(meta.topic).toBe(topic);
        expect(BigInt(meta.lastOffset) - BigInt(meta.firstOffset)).toBeGreaterThanOrEqual(BigInt(batch.length - 1));
      }
      expect(received.some(({ meta }) => meta.attempt === 2)).toBe(true);
      expect(deadLetters).toEqual([]);
    });

    it("parks only the events of a failing batch that also fail on their own (cache invalidation, batch consumers)", async () => {
      const { bus, ping, subscribeBatches, deadLetters, waitFor } = await setup(1);
      const { received } = await subscribeBatches("poison-in-batch", (events) => {
        if (events.some((event) => event.payload.poison)) throw new Error("cannot handle this batch");
      });
      const events = [ping("a", 1), ping("a", 2, { poison: true }), ping("a", 3)];
      await bus.publish(events);

      const handled = () => received.flatMap((batch) => batch.events.map((event) => event.id));
      await waitFor(() => handled().length >= 2 && deadLetters.length >= 1, "good events handled, poison parked");
      expect(handled()).toEqual([events[0]!.id, events[2]!.id]);
      expect(deadLetters.map((deadLetter) => deadLetter.event?.id)).toEqual([events[1]!.id]);
      expect(deadLetters[0]).toMatchObject({ reason: "handler-failed", consumer: expect.stringMatching(/^poison-in-batch-/) });
    });

    it("dead-letters each event of a batch whose handler keeps failing, and keeps consuming", async () => {
      const { bus, topic, ping, subscribeBatches, deadLetters, waitFor } = await setup(1);
      const { received } = await subscribeBatches("poison-batches", (events) => {
        if (events.some((event) => event.payload.poison)) throw new Error("cannot handle this batch");
      });
      const poison = ping("a", 1, { poison: true });
      await bus.publish([poison]);
      await waitFor(() => deadLetters.length >= 1, "poison batch dead-lettered");
      const later = ping("a", 2);
      await bus.publish([later]);

      await waitFor(() => received.length >= 1, "a later batch handled");
      expect(received.flatMap((batch) => batch.events.map((event) => event.id))).toEqual([later.id]);
      expect(deadLetters).toHaveLength(1);
      expect(deadLetters[0]).toMatchObject({
        topic,
        reason: "handler-failed",
        error: "cannot handle this batch",
        event: { id: poison.id },
      });
    });
  });
}
