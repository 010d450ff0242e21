import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvent, CounterIncremented } from "@plaza/events";
import type { CounterLog, LogBatch } from "../src/application/ports/counter-log.port.ts";

const event = (resourceId: string, delta = 1) =>
  createEvent(CounterIncremented, `VIEW:${resourceId}`, { resourceId, type: "VIEW", delta, viewerId: null });

async function waitUntil(check: () => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition did not hold in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One behaviour, two adapters: the Kafka topic (integration) and the embedded in-memory log (unit). */
export function runCounterLogContract(name: string, open: () => Promise<CounterLog>) {
  describe(`CounterLog contract: ${name}`, () => {
    let log: CounterLog;
    beforeAll(async () => {
      log = await open();
    });
    afterAll(async () => log?.close());

    it("appends concurrently and hands every event a distinct position; one key stays in one partition, in order", async () => {
      const key = randomUUID();
      const positions = (await Promise.all(Array.from({ length: 100 }, () => log.append([event(key)])))).flat();
      expect(new Set(positions.map((p) => p.partition)).size).toBe(1);
      const offsets = positions.map((p) => p.offset).sort((a, b) => a - b);
      expect(new Set(offsets).size).toBe(100);
      expect(offsets.at(-1)! - offsets[0]!).toBe(99);
      const ends = await log.endOffsets();
      expect(ends.get(positions[0]!.partition)).toBeGreaterThan(offsets.at(-1)!);
    });

    it("delivers batches from the start offset it is given, again after a failed batch", async () => {
      const batches: LogBatch[] = [];
      let failOnce = true;
      const starts: Array<{ partition: number; logEnd: number }> = [];
      const consumer = await log.consume({
        groupId: `contract-${randomUUID()}`,
        async handleBatch(batch) {
          if (failOnce && batch.records.length > 0) {
            failOnce = false;
            throw new Error("transient");
          }
          batches.push(batch);
        },
        async startOffset(partition, at) {
          starts.push({ partition, logEnd: at.logEnd });
          return at.logEnd;
        },
      });
      try {
        const key = randomUUID();
        const positions = (await Promise.all(Array.from({ length: 20 }, (_, i) => log.append([event(key, i + 1)])))).flat();
        const delivered = () => batches.flatMap((b) => b.records).filter((r) => r.event.aggregateId === `VIEW:${key}`);
        await waitUntil(() => delivered().length >= 20);
        // At least once: a failed batch comes again, so count distinct offsets.
        const byOffset = new Map(delivered().map((r) => [r.offset, (r.event.payload as { delta: number }).delta]));
        expect([...byOffset.keys()].sort((a, b) => a - b)).toEqual(positions.map((p) => p.offset).sort((a, b) => a - b));
        for (const p of positions) expect(byOffset.has(p.offset)).toBe(true);
        for (const batch of batches) {
          expect(batch.lastOffset).toBeGreaterThanOrEqual(batch.records.at(-1)?.offset ?? -1);
          const offsets = batch.records.map((r) => r.offset);
          expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
        }
        expect(starts.length).toBeGreaterThan(0);
      } finally {
        await consumer.stop();
      }
    });
  });
}
