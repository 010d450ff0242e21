import { describe, expect, it } from "vitest";
import { createEvent, createInProcessEventBus, PostDeleted } from "@plaza/events";
import { newId } from "@plaza/sharding";
import { waitFor } from "@plaza/testkit";
import type { Post } from "../../domain/post.ts";
import type { PostRepository } from "../../application/ports/post-repository.port.ts";
import { createCachedPostRepository } from "./cached-post-repository.ts";
import { startPostCacheInvalidation } from "./post-cache-invalidation.ts";

/** A repository over a map that counts findByIds calls. */
function fakeRepository(posts: Post[]) {
  const rows = new Map(posts.map((p) => [p.id, p]));
  const loads: string[][] = [];
  const repo = {
    async findByIds(ids: readonly string[]) {
      loads.push([...ids]);
      return ids.map((id) => rows.get(id) ?? null);
    },
    async delete(postId: string) {
      return rows.delete(postId);
    },
    /** A deletion made through another instance: only the shared database changes here. */
    deleteElsewhere: (postId: string) => rows.delete(postId),
  };
  return { repo: repo as unknown as PostRepository & typeof repo, loads };
}

const author = newId(1);
const post = (n: number): Post => ({ id: newId(1), authorId: author, body: `post ${n}`, createdAt: new Date(n) });

describe("cached post repository", () => {
  it("hydrates a post once, and a deletion through this instance is never hydrated again", async () => {
    const [a, b] = [post(1), post(2)];
    const { repo, loads } = fakeRepository([a, b]);
    const cached = createCachedPostRepository({ inner: repo, maxEntries: 100, ttlMs: 60_000 });
    expect(await cached.findByIds([a.id, b.id])).toEqual([a, b]);
    expect(await cached.findByIds([b.id, a.id])).toEqual([b, a]);
    expect(loads).toHaveLength(1);

    expect(await cached.delete(a.id, author, () => [])).toBe(true);
    expect(await cached.findByIds([a.id, b.id])).toEqual([null, b]);
  });

  it("evicts a post deleted through another instance when its PostDeleted arrives", async () => {
    const a = post(3);
    const { repo } = fakeRepository([a]);
    const cached = createCachedPostRepository({ inner: repo, maxEntries: 100, ttlMs: 60_000 });
    const bus = createInProcessEventBus();
    const subscription = await startPostCacheInvalidation({ bus, cache: cached, instanceId: "test" });
    try {
      expect(await cached.findByIds([a.id])).toEqual([a]);
      repo.deleteElsewhere(a.id);
      await bus.publish([
        createEvent(PostDeleted, a.id, { postId: a.id, authorId: author, deletedAt: new Date().toISOString() }),
      ]);
      await waitFor(async () => (await cached.findByIds([a.id]))[0] === null, {
        description: "the deleted post to be evicted",
      });
    } finally {
      await subscription.stop();
      await bus.close();
    }
  });
});
