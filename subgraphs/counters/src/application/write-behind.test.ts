import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { createEvent, CounterIncremented, type DeadLetterReason } from "@plaza/events";
import { createMemoryCounterLog } from "../adapters/memory/memory-counter-log.ts";
import { startWriteBehind } from "./write-behind.ts";
import type { LogBatch } from "./ports/counter-log.port.ts";
import type { AppliedOffset, CounterSnapshots } from "./ports/counter-snapshots.port.ts";

const view = (resourceId: string, delta = 1) =>
  createEvent(CounterIncremented, `VIEW:${resourceId}`, { resourceId, type: "VIEW", delta, viewerId: null });

/** A one-shard durable copy in memory that refuses ids starting with "poison" and can be taken down. */
function fakeSnapshots() {
  const values = new Map<string, number>();
  const offsets = new Map<number, number>();
  const state = { down: false, probes: 0 };
  const snapshots: CounterSnapshots = {
    async applyBatch(_logId, batch: LogBatch) {
      if (state.down) throw new Error("connection refused");
      const applied = offsets.get(batch.partition) ?? -1;
      if (batch.lastOffset <= applied) return 0;
      const fresh = batch.records.filter((r) => r.offset > applied);
      for (const { event } of fresh) {
        const { resourceId } = event.payload as { resourceId: string };
        if (resourceId.startsWith("poison")) throw new Error(`check constraint refuses ${resourceId}`);
      }
      for (const { event } of fresh) {
        const { resourceId, delta } = event.payload as { resourceId: string; delta: number };
        values.set(resourceId, (values.get(resourceId) ?? 0) + delta);
      }
      offsets.set(batch.partition, batch.lastOffset);
      return fresh.length;
    },
    async probe() {
      state.probes += 1;
      if (state.down) throw new Error("connection refused");
    },
    async appliedOffsets() {
      return new Map<number, AppliedOffset>([...offsets].map(([p, o]) => [p, { lowest: o, highest: o, complete: true }]));
    },
    async initOffsets(_logId, partition, offset) {
      if (!offsets.has(partition)) offsets.set(partition, offset);
    },
    read: async () => [],
    scan: async () => undefined,
  };
  return { snapshots, values, offsets, state };
}

async function until(check: () => boolean) {
  for (let i = 0; i < 2_000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

const retry = { initialMs: 1, maxMs: 10, isolatedAttempts: 2 };
const logger = pino({ level: "silent" });

describe("write-behind", () => {
  it("parks the bad events of a batch, applies the others in order, and moves the offset past all of them", async () => {
    const { snapshots, values, offsets } = fakeSnapshots();
    const log = createMemoryCounterLog({ partitions: 1 });
    const parked: DeadLetterReason[] = [];
    const writeBehind = await startWriteBehind({ log, snapshots, logger, retry, onDeadLetter: (r) => parked.push(r) });
    const events = [view("a"), view("poison-1"), view("b", 2), view("c", 3), view("poison-2"), view("d", 4)];
    await log.append(events);
    await until(() => offsets.get(0) === 5);
    expect(Object.fromEntries(values)).toEqual({ a: 1, b: 2, c: 3, d: 4 });
    expect(log.deadLetters().map((p) => [p.offset, p.event.id])).toEqual([
      [1, events[1]!.id],
      [4, events[4]!.id],
    ]);
    expect(parked).toEqual(["handler-failed", "handler-failed"]);
    await writeBehind.stop();
  });

  it("parks nothing during an outage, leaves the batch unacknowledged when stopped, and resumes where it was", async () => {
    const { snapshots, values, offsets, state } = fakeSnapshots();
    const log = createMemoryCounterLog({ partitions: 1 });
    const parked: DeadLetterReason[] = [];
    const first = await startWriteBehind({ log, snapshots, logger, retry, onDeadLetter: (r) => parked.push(r) });
    state.down = true;
    await log.append([view("e", 5), view("poison-3"), view("f", 6)]);
    await until(() => state.probes >= 5);
    await first.stop();
    expect(parked).toEqual([]);
    expect(offsets.get(0)).toBe(-1);

    state.down = false;
    const second = await startWriteBehind({ log, snapshots, logger, retry, onDeadLetter: (r) => parked.push(r) });
    await until(() => offsets.get(0) === 2);
    expect(Object.fromEntries(values)).toEqual({ e: 5, f: 6 });
    expect(parked).toEqual(["handler-failed"]);
    await second.stop();
  });
});
