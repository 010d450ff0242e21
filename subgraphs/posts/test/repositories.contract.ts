import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idTime } from "@plaza/sharding";
import { createPrismaFollowGraph } from "../src/adapters/prisma/prisma-follow-graph.ts";
import { createPrismaPostRepository } from "../src/adapters/prisma/prisma-post-repository.ts";
import type { FollowChange, FollowGraph } from "../src/application/ports/follow-graph.port.ts";
import type { PostRepository } from "../src/application/ports/post-repository.port.ts";
import { postCreated, postDeleted } from "../src/application/post-events.ts";
import type { PostsTestShards } from "./support.ts";

let eventCounter = 0;
const eventId = () => `00000000-0000-4000-8000-${(eventCounter++).toString(16).padStart(12, "0")}`;

/** One behaviour, two adapters: the same suites run on real Postgres shards and on PGlite shards. */
export function runRepositoriesContract(name: string, open: () => Promise<PostsTestShards>) {
  describe(`posts repositories contract: ${name}`, () => {
    let db: PostsTestShards;
    let posts: PostRepository;
    let follows: FollowGraph;
    let outboxWrites = 0;
    const newUser = () => db.shards.router.newId();
    /** A user id routed to the given shard (ids land in random buckets). */
    const newUserOn = (shardIndex: number) => {
      for (;;) {
        const id = newUser();
        if (db.shards.router.forId(id) === db.shards.router.all()[shardIndex]) return id;
      }
    };

    beforeAll(async () => {
      db = await open();
      posts = createPrismaPostRepository({ shards: db.shards.router, onOutboxWrite: () => outboxWrites++ });
      follows = createPrismaFollowGraph({ shards: db.shards.router });
    });
    afterAll(async () => db?.close());

    const eventsOf = async (type: string, key: string) =>
      (await db.outbox()).filter((row) => row.type === type && row.key === key);

    describe("PostRepository", () => {
      it("creates a post on its author's shard, stamped with its id's time, with one PostCreated event", async () => {
        const author = newUser();
        const before = outboxWrites;
        const post = await posts.create({ authorId: author, body: "hello 😀" }, postCreated);
        expect(db.shards.router.bucketOfId(post.id)).toBe(db.shards.router.bucketOfId(author));
        expect(post).toMatchObject({ authorId: author, body: "hello 😀" });
        expect(post.createdAt).toEqual(idTime(post.id));
        expect(await posts.findByIds([post.id])).toEqual([post]);
        const events = await eventsOf("PostCreated", post.id);
        expect(events).toHaveLength(1);
        expect(events[0]!.payload.payload).toEqual({
          postId: post.id,
          authorId: author,
          body: "hello 😀",
          createdAt: post.createdAt.toISOString(),
        });
        expect(outboxWrites).toBe(before + 1);
      });

      it("answers null for unknown and malformed ids, keeping batch order", async () => {
        const post = await posts.create({ authorId: newUser(), body: "x" }, postCreated);
        expect(await posts.findByIds([db.shards.router.newId(), "nope", post.id, ""])).toEqual([null, null, post, null]);
      });

      it("deletes only the author's own post, once, with one PostDeleted event", async () => {
        const author = newUser();
        const post = await posts.create({ authorId: author, body: "bye" }, postCreated);
        const stranger = newUser();
        expect(await posts.delete(post.id, stranger, postDeleted(post.id, stranger))).toBe(false);
        expect(await posts.findByIds([post.id])).toEqual([post]);
        expect(await posts.delete(post.id, author, postDeleted(post.id, author))).toBe(true);
        expect(await posts.delete(post.id, author, postDeleted(post.id, author))).toBe(false);
        expect(await posts.delete("malformed", author, postDeleted("malformed", author))).toBe(false);
        expect(await posts.findByIds([post.id])).toEqual([null]);
        expect(await eventsOf("PostDeleted", post.id)).toHaveLength(1);
      });

      it("lists an author's posts newest first with keyset pages", async () => {
        const author = newUser();
        const created = [];
        for (let i = 0; i < 5; i++) created.push(await posts.create({ authorId: author, body: `p${i}` }, postCreated));
        await posts.create({ authorId: newUser(), body: "someone else" }, postCreated);
        const seen: string[] = [];
        let after: { createdAt: Date; id: string } | null = null;
        for (let page = 0; page < 5; page++) {
          const result = await posts.listByAuthor(author, 2, after);
          seen.push(...result.posts.map((p) => p.id));
          if (!result.hasNextPage) break;
          const last = result.posts.at(-1)!;
          after = { createdAt: last.createdAt, id: last.id };
        }
        expect(seen).toEqual(created.map((p) => p.id).reverse());
        expect(await posts.listByAuthor("malformed", 2, null)).toEqual({ posts: [], hasNextPage: false });
      });

      it("merges several authors' recent posts across shards, newest first, after a position", async () => {
        const authors = [0, 1, 0, 1, 0, 1].map(newUserOn);
        const created = [];
        for (let round = 0; round < 2; round++) {
          for (const author of authors) created.push(await posts.create({ authorId: author, body: `${round}` }, postCreated));
        }
        const newestFirst = created.map((p) => p.id).reverse();
        const all = await posts.recentByAuthors(authors, 100, null);
        expect(all.map((p) => p.id)).toEqual(newestFirst);
        const top = await posts.recentByAuthors(authors, 5, null);
        expect(top.map((p) => p.id)).toEqual(newestFirst.slice(0, 5));
        const last = top.at(-1)!;
        const rest = await posts.recentByAuthors(authors, 100, { score: last.createdAt.getTime(), postId: last.id });
        expect(rest.map((p) => p.id)).toEqual(newestFirst.slice(5));
        expect(await posts.recentByAuthors([], 10, null)).toEqual([]);
      });
    });

    describe("FollowGraph", () => {
      const change = (followerId: string, followeeId: string, following: boolean, at: number, id = eventId()): FollowChange => ({
        followerId,
        followeeId,
        following,
        at: new Date(at),
        eventId: id,
      });

      it("applies follows idempotently, counting each follower once", async () => {
        const [star, a, b] = [newUser(), newUser(), newUser()];
        const followA = change(a, star, true, 1_000);
        expect(await follows.apply(followA)).toBe("applied");
        expect(await follows.apply(followA)).toBe("duplicate");
        expect(await follows.apply(change(b, star, true, 1_000))).toBe("applied");
        expect(await follows.followerCount(star)).toBe(2);
        expect((await follows.followersPage(star, 10, null)).sort()).toEqual([a, b].sort());
        expect(await follows.followees(a, 10)).toEqual([star]);
        expect(await follows.followerCount(newUser())).toBe(0);
      });

      it("is order-safe per pair: an older change arriving late is ignored", async () => {
        const [star, fan] = [newUser(), newUser()];
        // Unfollow at t=2000 is delivered before the follow at t=1000 it undoes.
        expect(await follows.apply(change(fan, star, false, 2_000))).toBe("applied");
        expect(await follows.apply(change(fan, star, true, 1_000))).toBe("stale");
        expect(await follows.followerCount(star)).toBe(0);
        expect(await follows.followersPage(star, 10, null)).toEqual([]);
        expect(await follows.followees(fan, 10)).toEqual([]);
        // A later follow, then its redelivery after an even later unfollow.
        const follow = change(fan, star, true, 3_000);
        expect(await follows.apply(follow)).toBe("applied");
        expect(await follows.apply(change(fan, star, false, 4_000))).toBe("applied");
        expect(await follows.apply(follow)).toBe("stale");
        expect(await follows.followerCount(star)).toBe(0);
      });

      it("survives concurrent deliveries of one change", async () => {
        const [star, fan] = [newUser(), newUser()];
        const follow = change(fan, star, true, 5_000);
        const outcomes = await Promise.all([follows.apply(follow), follows.apply(follow), follows.apply(follow)]);
        expect(outcomes.filter((o) => o === "applied")).toHaveLength(1);
        expect(await follows.followerCount(star)).toBe(1);
      });

      it("pages followers by id and answers membership questions", async () => {
        const star = newUser();
        const fans = Array.from({ length: 5 }, newUser);
        for (const fan of fans) await follows.apply(change(fan, star, true, 1_000));
        const outsider = newUser();
        await follows.apply(change(fans[4]!, star, false, 2_000));
        const active = fans.slice(0, 4).sort();
        const first = await follows.followersPage(star, 3, null);
        const second = await follows.followersPage(star, 3, first.at(-1)!);
        expect([...first, ...second]).toEqual(active);
        expect((await follows.followersAmong(star, [...fans, outsider])).sort()).toEqual(active);
        expect(await follows.followeesAmong(fans[0]!, [star, outsider])).toEqual([star]);
        expect(await follows.followeesAmong(fans[4]!, [star])).toEqual([]);
      });

      it("lists authors above a follower threshold across shards", async () => {
        const stars = [newUserOn(0), newUserOn(1)];
        for (const star of stars) for (let i = 0; i < 3; i++) await follows.apply(change(newUser(), star, true, 1_000));
        const above = await follows.authorsWithMoreFollowersThan(2);
        for (const star of stars) expect(above).toContain(star);
        const aboveThree = await follows.authorsWithMoreFollowersThan(3);
        for (const star of stars) expect(aboveThree).not.toContain(star);
      });
    });
  });
}
