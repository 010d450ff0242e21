import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TimelineStore } from "../src/application/ports/timeline-store.port.ts";

export interface OpenedTimelineStore {
  store: TimelineStore;
  close(): Promise<void>;
}

/** The cap every contract run uses. */
export const CONTRACT_TIMELINE_MAX = 5;

let counter = 0;
const viewer = () => `viewer-${Date.now().toString(36)}-${(counter++).toString(36)}`;
const entry = (postId: string, score: number) => ({ postId, score });
const ids = (entries: Array<{ postId: string }>) => entries.map((e) => e.postId);

/** One behaviour, two adapters: Redis (production) and memory (embedded default), capped at CONTRACT_TIMELINE_MAX. */
export function runTimelineStoreContract(name: string, open: () => Promise<OpenedTimelineStore>) {
  describe(`TimelineStore contract: ${name}`, () => {
    let opened: OpenedTimelineStore;
    let store: TimelineStore;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => opened?.close());

    it("reports a timeline that was never built, and an empty one that was", async () => {
      const v = viewer();
      expect(await store.page(v, 10, null)).toEqual({ built: false, entries: [] });
      await store.storeRebuilt(v, []);
      expect(await store.page(v, 10, null)).toEqual({ built: true, entries: [] });
    });

    it("orders newest first, equal times by id descending, and adds each post once", async () => {
      const v = viewer();
      await store.storeRebuilt(v, [entry("P1", 100)]);
      await store.addToMany([v], entry("P3", 300));
      await store.addToMany([v], entry("P3", 300));
      await store.add(v, [entry("P2A", 200), entry("P2B", 200), entry("P1", 100)]);
      const page = await store.page(v, 10, null);
      expect(page.built).toBe(true);
      expect(page.entries).toEqual([entry("P3", 300), entry("P2B", 200), entry("P2A", 200), entry("P1", 100)]);
    });

    it("pages strictly after a position, including entries that share its time", async () => {
      const v = viewer();
      await store.storeRebuilt(v, [entry("A", 10), entry("B", 20), entry("C", 20), entry("D", 20), entry("E", 30)]);
      const first = await store.page(v, 2, null);
      expect(ids(first.entries)).toEqual(["E", "D"]);
      const second = await store.page(v, 2, first.entries.at(-1)!);
      expect(ids(second.entries)).toEqual(["C", "B"]);
      const third = await store.page(v, 2, second.entries.at(-1)!);
      expect(ids(third.entries)).toEqual(["A"]);
      expect((await store.page(v, 2, third.entries.at(-1)!)).entries).toEqual([]);
      // A position need not be an entry of the timeline (e.g. a post removed since).
      expect(ids((await store.page(v, 10, entry("C5", 20))).entries)).toEqual(["C", "B", "A"]);
    });

    it("fans one post out to many timelines and keeps them apart", async () => {
      const viewers = [viewer(), viewer(), viewer()];
      await store.addToMany(viewers.slice(0, 2), entry("F1", 50));
      for (const v of viewers.slice(0, 2)) expect(ids((await store.page(v, 10, null)).entries)).toEqual(["F1"]);
      expect((await store.page(viewers[2]!, 10, null)).entries).toEqual([]);
    });

    it("removes posts from many timelines; removing an absent post is a no-op", async () => {
      const [a, b] = [viewer(), viewer()];
      await store.storeRebuilt(a, [entry("R1", 1), entry("R2", 2)]);
      await store.storeRebuilt(b, [entry("R1", 1)]);
      await store.remove([a, b], ["R1", "missing"]);
      await store.remove([a, b], ["R1"]);
      expect(await store.page(a, 10, null)).toEqual({ built: true, entries: [entry("R2", 2)] });
      expect(await store.page(b, 10, null)).toEqual({ built: true, entries: [] });
    });

    it("keeps only the newest entries of a timeline", async () => {
      const v = viewer();
      await store.storeRebuilt(
        v,
        Array.from({ length: CONTRACT_TIMELINE_MAX + 3 }, (_, i) => entry(`C${i}`, i)),
      );
      await store.addToMany([v], entry("NEW", 1_000));
      await store.add(v, [entry("OLD", -1)]);
      const page = await store.page(v, 100, null);
      expect(page.entries).toHaveLength(CONTRACT_TIMELINE_MAX);
      expect(ids(page.entries)).toEqual([
        "NEW",
        ...Array.from({ length: CONTRACT_TIMELINE_MAX - 1 }, (_, i) => `C${CONTRACT_TIMELINE_MAX + 2 - i}`),
      ]);
    });

    it("merges a rebuild with entries that landed meanwhile", async () => {
      const v = viewer();
      await store.addToMany([v], entry("LIVE", 500));
      expect((await store.page(v, 10, null)).built).toBe(false);
      await store.storeRebuilt(v, [entry("OLD1", 100), entry("OLD2", 200)]);
      expect(await store.page(v, 10, null)).toEqual({
        built: true,
        entries: [entry("LIVE", 500), entry("OLD2", 200), entry("OLD1", 100)],
      });
    });

    it("keeps millisecond timestamps exact", async () => {
      const v = viewer();
      const now = Date.parse("2026-11-22T10:11:12.345Z");
      await store.storeRebuilt(v, [entry("T", now)]);
      expect((await store.page(v, 1, null)).entries).toEqual([entry("T", now)]);
      expect((await store.page(v, 1, entry("U", now))).entries).toEqual([entry("T", now)]);
    });
  });
}
