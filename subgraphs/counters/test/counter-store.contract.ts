import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CounterKey } from "../src/domain/counter.ts";
import type { CounterChanges } from "../src/application/ports/counter-changes.port.ts";
import type { CounterStore } from "../src/application/ports/counter-store.port.ts";

export interface StoreUnderTest {
  store: CounterStore;
  changes: CounterChanges;
  /** Loses every counter, as FLUSHALL would (each suite owns its store: never the shared Redis). */
  loseData(): Promise<void>;
  close(): Promise<void>;
}

const view = (resourceId = randomUUID()): CounterKey => ({ resourceId, type: "VIEW" });
/** Log positions: unique, growing offsets, as the counter log hands them out. */
let nextOffset = 1_000;
const at = () => ({ partition: 0, offset: nextOffset++ });

/**
 * One behaviour, two adapters: the same suite runs on the Redis store (integration) and the in-memory store of the
 * embedded default (unit).
 */
export function runCounterStoreContract(name: string, open: () => Promise<StoreUnderTest>) {
  describe(`CounterStore contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: CounterStore;

    beforeAll(async () => {
      sut = await open();
      store = sut.store;
      await store.completeFullRebuild(await store.beginFullRebuild());
    });
    afterAll(async () => sut?.close());

    it("reads unknown counters as zero while warm, in the order asked, in one round trip", async () => {
      const keys = [view(), { resourceId: randomUUID(), type: "SHARE" as const }, view()];
      await store.applyIncrement(keys[1]!, 3, at());
      const before = store.roundTrips();
      expect(await store.read(keys)).toEqual([0, 3, 0]);
      expect(store.roundTrips() - before).toBe(1);
    });

    it("counts 500 concurrent increments of one counter exactly", async () => {
      const key = view();
      const results = await Promise.all(Array.from({ length: 500 }, () => store.applyIncrement(key, 1, at())));
      expect(results.every((r) => !r.cold)).toBe(true);
      expect(await store.read([key])).toEqual([500]);
      // Every intermediate value was handed out exactly once.
      const values = results.map((r) => (r.cold ? -1 : r.value)).sort((a, b) => a - b);
      expect(values).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    });

    it("reads 100 counters in one round trip", async () => {
      const keys = Array.from({ length: 100 }, () => view());
      await Promise.all(keys.map((key, i) => store.applyIncrement(key, i + 1, at())));
      const before = store.roundTrips();
      expect(await store.read(keys)).toEqual(keys.map((_, i) => i + 1));
      expect(store.roundTrips() - before).toBe(1);
    });

    it("keeps one like per user under 200 concurrent likes, and never goes negative", async () => {
      const postId = randomUUID();
      const likes = await Promise.all(Array.from({ length: 200 }, () => store.applyLike(postId, "u1", true, at())));
      expect(likes.every((r) => !r.cold && r.liked)).toBe(true);
      expect(await store.read([{ resourceId: postId, type: "LIKE" }])).toEqual([1]);
      await store.applyLike(postId, "u2", true, at());
      const unlikes = await Promise.all(Array.from({ length: 50 }, () => store.applyLike(postId, "u1", false, at())));
      expect(unlikes.every((r) => !r.cold && !r.liked)).toBe(true);
      await store.applyLike(postId, "never-liked", false, at());
      expect(await store.readPosts([postId], "u1")).toEqual([{ likeCount: 1, viewCount: 0, viewerHasLiked: false }]);
      expect(await store.readPosts([postId], "u2")).toEqual([{ likeCount: 1, viewCount: 0, viewerHasLiked: true }]);
      expect(await store.readPosts([postId], null)).toEqual([{ likeCount: 1, viewCount: 0, viewerHasLiked: false }]);
    });

    it("lets the later of two like changes of one user win whatever order they are applied in", async () => {
      const postId = randomUUID();
      const like = at();
      const unlike = at();
      await store.applyLike(postId, "u1", false, unlike);
      const stale = await store.applyLike(postId, "u1", true, like);
      expect(stale).toMatchObject({ cold: false, value: 0, liked: false });
      const relike = at();
      await store.applyLike(postId, "u1", true, relike);
      expect(await store.applyLike(postId, "u1", false, unlike)).toMatchObject({ value: 1, liked: true });
    });

    it("answers a batch of posts in one round trip", async () => {
      const posts = Array.from({ length: 50 }, () => randomUUID());
      await store.applyLike(posts[3]!, "viewer", true, at());
      await store.applyIncrement({ resourceId: posts[4]!, type: "VIEW" }, 7, at());
      const before = store.roundTrips();
      const counts = await store.readPosts(posts, "viewer");
      expect(store.roundTrips() - before).toBe(1);
      expect(counts[3]).toEqual({ likeCount: 1, viewCount: 0, viewerHasLiked: true });
      expect(counts[4]).toEqual({ likeCount: 0, viewCount: 7, viewerHasLiked: false });
      expect(counts[0]).toEqual({ likeCount: 0, viewCount: 0, viewerHasLiked: false });
    });

    it("reserves an idempotency key once and remembers what it was reserved for", async () => {
      const scope = randomUUID();
      expect(await store.reserveIdempotencyKey(scope, "5", 60)).toEqual({ reserved: true });
      const again = await Promise.all(Array.from({ length: 20 }, () => store.reserveIdempotencyKey(scope, "5", 60)));
      expect(again.every((r) => !r.reserved && r.fingerprint === "5")).toBe(true);
      await store.releaseIdempotencyKey(scope);
      expect(await store.reserveIdempotencyKey(scope, "6", 60)).toEqual({ reserved: true });
    });

    it("publishes new values to watchers of the counter only", async () => {
      const key = view();
      const other = view();
      const seen: number[] = [];
      const unwatch = await sut.changes.watch(key, (value) => seen.push(value));
      await store.applyIncrement(other, 1, at());
      await store.applyIncrement(key, 2, at());
      await store.applyIncrement(key, 3, at());
      await waitUntil(() => seen.length === 2);
      expect(seen).toEqual([2, 5]);
      await unwatch();
      await store.applyIncrement(key, 1, at());
      await store.read([key]); // a round trip after the publish: a late message would have arrived by now
      expect(seen).toEqual([2, 5]);
    });

    describe("after losing its data", () => {
      const key = view();
      const postId = randomUUID();

      beforeAll(async () => {
        await store.applyIncrement(key, 10, at());
        await store.applyLike(postId, "u1", true, at());
        await sut.loseData();
      });

      it("reports counters as cold and refuses to apply changes to them", async () => {
        expect(await store.isWarm()).toBe(false);
        expect(await store.read([key])).toEqual([null]);
        expect(await store.readPosts([postId], "u1")).toEqual([{ likeCount: null, viewCount: null, viewerHasLiked: false }]);
        expect(await store.applyIncrement(key, 1, at())).toEqual({ cold: true });
        expect(await store.applyLike(postId, "u2", true, at())).toEqual({ cold: true });
      });

      it("takes seeds for absent counters only, skips changes the seed includes, and applies later ones", async () => {
        const seededAt = at();
        expect(
          await store.seed([
            { key, value: 11, baseOffset: seededAt.offset },
            { key: { resourceId: postId, type: "LIKE" }, value: 2, baseOffset: seededAt.offset, likers: ["u1", "u3"] },
          ]),
        ).toBe(2);
        expect(await store.seed([{ key, value: 999, baseOffset: 0 }])).toBe(0);
        expect(await store.applyIncrement(key, 5, { partition: 0, offset: seededAt.offset - 1 })).toEqual({
          cold: false,
          value: 11,
        });
        expect(await store.applyIncrement(key, 5, at())).toEqual({ cold: false, value: 16 });
        expect(await store.readPosts([postId], "u3")).toEqual([{ likeCount: 2, viewCount: null, viewerHasLiked: true }]);
        expect(await store.applyLike(postId, "u3", true, at())).toMatchObject({ value: 2, liked: true });
        expect(await store.applyLike(postId, "u1", false, at())).toMatchObject({ value: 1, liked: false });
      });

      it("seeds large like sets", async () => {
        const big = randomUUID();
        const likers = Array.from({ length: 1_234 }, (_, i) => `user-${i}`);
        expect(await store.seed([{ key: { resourceId: big, type: "LIKE" }, value: likers.length, baseOffset: -1, likers }])).toBe(
          1,
        );
        const [counts] = await store.readPosts([big], "user-1233");
        expect(counts).toMatchObject({ likeCount: 1_234, viewerHasLiked: true });
      });

      it("becomes warm again through a full rebuild that no data loss interrupted", async () => {
        const interrupted = await store.beginFullRebuild();
        await sut.loseData();
        expect(await store.completeFullRebuild(interrupted)).toBe(false);
        expect(await store.isWarm()).toBe(false);
        const token = await store.beginFullRebuild();
        expect(await store.completeFullRebuild(token)).toBe(true);
        expect(await store.isWarm()).toBe(true);
        expect(await store.read([view()])).toEqual([0]);
      });

      it("forgets every counter on demand and turns cold", async () => {
        const k = view();
        await store.applyIncrement(k, 4, at());
        expect(await store.forget()).toBeGreaterThan(0);
        expect(await store.read([k])).toEqual([null]);
        await store.completeFullRebuild(await store.beginFullRebuild());
      });
    });
  });
}

async function waitUntil(check: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition did not hold in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
