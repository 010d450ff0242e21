import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@plaza/kit";
import { createPrismaFollowGraph } from "../src/adapters/prisma/prisma-follow-graph.ts";
import { createPrismaPostRepository } from "../src/adapters/prisma/prisma-post-repository.ts";
import { createMemoryTimelineStore } from "../src/adapters/memory/memory-timeline-store.ts";
import { createMemoryFeedBroadcast } from "../src/adapters/memory/memory-feed-broadcast.ts";
import { createFanOut, type FanOut } from "../src/application/fan-out.ts";
import { createFeedReader, type FeedPage } from "../src/application/feed.ts";
import type { FollowGraph } from "../src/application/ports/follow-graph.port.ts";
import type { PostRepository } from "../src/application/ports/post-repository.port.ts";
import { postCreated, postDeleted } from "../src/application/post-events.ts";
import type { TimelineStore } from "../src/application/ports/timeline-store.port.ts";
import type { FeedPosition } from "../src/domain/feed-position.ts";
import type { Post } from "../src/domain/post.ts";
import { openPostsTestShards, type PostsTestShards } from "./support.ts";

const logger = createLogger({ service: "test", level: "silent" });
const MAX_FOLLOWERS = 3;
const TIMELINE_MAX = 50;

let eventCounter = 0;
const eventId = () => `00000000-0000-4000-9000-${(eventCounter++).toString(16).padStart(12, "0")}`;

/** Fan-out and feed over the embedded adapters (PGlite shards, memory timelines): the behaviour the issue asks for. */
describe("home feed: fan-out, pull-merge, rebuild and paging (PGlite + memory timelines)", () => {
  let db: PostsTestShards;
  let posts: PostRepository;
  let follows: FollowGraph;
  let timelines: TimelineStore;
  let fanOut: FanOut;
  let rebuilds = 0;
  let clock = Date.parse("2026-01-01T00:00:00Z");

  const makeReader = (store: TimelineStore) =>
    createFeedReader({
      posts,
      follows,
      timelines: store,
      logger,
      settings: { timelineMax: TIMELINE_MAX, maxFollowers: MAX_FOLLOWERS, highFollowerCacheMs: 0 },
      metrics: { rebuilt: () => rebuilds++, degraded: () => undefined },
    });

  beforeAll(async () => {
    db = await openPostsTestShards("pglite");
    posts = createPrismaPostRepository({ shards: db.shards.router });
    follows = createPrismaFollowGraph({ shards: db.shards.router });
    timelines = createMemoryTimelineStore({ maxLength: TIMELINE_MAX });
    fanOut = createFanOut({
      posts,
      follows,
      timelines,
      broadcast: createMemoryFeedBroadcast(),
      logger,
      settings: { maxFollowers: MAX_FOLLOWERS, batchSize: 2, backfillPosts: 10, timelineMax: TIMELINE_MAX },
    });
  });
  afterAll(async () => db?.close());

  const newUser = () => db.shards.router.newId();
  const follow = (followerId: string, followeeId: string, following = true) =>
    fanOut.followChanged({ followerId, followeeId, following, at: new Date((clock += 1_000)), eventId: eventId() });

  /** createPost, then the PostCreated handler, as the fan-out consumer would run it. */
  async function publish(authorId: string, body = "post"): Promise<Post> {
    const post = await posts.create({ authorId, body }, postCreated);
    await fanOut.postCreated({ postId: post.id, authorId, body: post.body, createdAt: post.createdAt.toISOString() });
    return post;
  }

  const read = (
    viewerId: string,
    first: number,
    after: FeedPosition | null = null,
    reader = makeReader(timelines),
  ): Promise<FeedPage> => reader.read(viewerId, first, after, (ids) => posts.findByIds(ids));

  async function readAll(viewerId: string, first: number, reader = makeReader(timelines)): Promise<string[]> {
    const seen: string[] = [];
    let after: FeedPosition | null = null;
    for (let page = 0; page < 50; page++) {
      const result = await read(viewerId, first, after, reader);
      seen.push(...result.edges.map((e) => e.post.id));
      if (!result.hasNextPage) return seen;
      after = result.endPosition;
    }
    throw new Error("feed did not end");
  }

  it("fans a post out to the author's followers and the author, not to others", async () => {
    const [author, fan1, fan2, stranger] = [newUser(), newUser(), newUser(), newUser()];
    await follow(fan1, author);
    await follow(fan2, author);
    const post = await publish(author, "hello followers");
    for (const viewer of [author, fan1, fan2])
      expect((await timelines.page(viewer, 10, null)).entries.map((e) => e.postId)).toEqual([post.id]);
    expect((await timelines.page(stranger, 10, null)).entries).toEqual([]);
    const feed = await read(fan1, 10);
    expect(feed.edges.map((e) => e.post)).toEqual([post]);
    expect(feed.hasNextPage).toBe(false);
    expect(await readAll(stranger, 10)).toEqual([]);
  });

  it("keeps one timeline entry when PostCreated is delivered twice", async () => {
    const [author, fan] = [newUser(), newUser()];
    await follow(fan, author);
    const post = await publish(author);
    const event = { postId: post.id, authorId: author, body: post.body, createdAt: post.createdAt.toISOString() };
    await fanOut.postCreated(event);
    await fanOut.postCreated(event);
    expect((await timelines.page(fan, 10, null)).entries).toEqual([{ postId: post.id, score: post.createdAt.getTime() }]);
    expect(await readAll(fan, 10)).toEqual([post.id]);
  });

  it("never shows deleted posts, and still fills the page", async () => {
    const [author, fan] = [newUser(), newUser()];
    await follow(fan, author);
    const [p1, p2, p3, p4] = [await publish(author), await publish(author), await publish(author), await publish(author)];
    // Deleted with its event handled: gone from the timeline.
    await posts.delete(p4!.id, author, postDeleted(p4!.id, author));
    await fanOut.postDeleted({ postId: p4!.id, authorId: author });
    expect((await timelines.page(fan, 10, null)).entries.map((e) => e.postId)).not.toContain(p4!.id);
    // Deleted but its event not handled yet: the entry is still there, the feed skips it.
    await posts.delete(p3!.id, author, postDeleted(p3!.id, author));
    const page = await read(fan, 2);
    expect(page.edges.map((e) => e.post.id)).toEqual([p2!.id, p1!.id]);
    expect(page.hasNextPage).toBe(false);
  });

  it("merges followed high-follower authors at read time instead of fanning them out", async () => {
    const [star, friend, viewer] = [newUser(), newUser(), newUser()];
    for (let i = 0; i < MAX_FOLLOWERS; i++) await follow(newUser(), star);
    await follow(viewer, star);
    await follow(viewer, friend);
    const expected: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { fannedOut } = await fanOut.postCreated(await postEvent(star));
      expect(fannedOut).toBe(false);
      expected.push((await publish(friend)).id);
    }
    const timeline = (await timelines.page(viewer, 100, null)).entries.map((e) => e.postId);
    expect(timeline.filter((id) => !expected.includes(id))).toEqual([]);
    const all = await readAll(viewer, 3);
    const starPosts = (await posts.listByAuthor(star, 10, null)).posts.map((p) => p.id);
    expect(all).toEqual([...starPosts, ...expected].sort().reverse());
    expect(all).toHaveLength(8);

    async function postEvent(authorId: string) {
      const post = await posts.create({ authorId, body: "star post" }, postCreated);
      return { postId: post.id, authorId, body: post.body, createdAt: post.createdAt.toISOString() };
    }
  });

  it("backfills on follow and removes on unfollow; a late, older follow changes nothing", async () => {
    const [author, fan] = [newUser(), newUser()];
    const older = [await publish(author), await publish(author)];
    expect(await readAll(fan, 10)).toEqual([]);
    await follow(fan, author);
    expect(await readAll(fan, 10)).toEqual(older.map((p) => p.id).reverse());
    const unfollowAt = (clock += 1_000);
    await fanOut.followChanged({
      followerId: fan,
      followeeId: author,
      following: false,
      at: new Date(unfollowAt),
      eventId: eventId(),
    });
    expect(await readAll(fan, 10)).toEqual([]);
    // A follow older than the unfollow, delivered late, is ignored (no backfill either).
    await fanOut.followChanged({
      followerId: fan,
      followeeId: author,
      following: true,
      at: new Date(unfollowAt - 500),
      eventId: eventId(),
    });
    expect(await readAll(fan, 10)).toEqual([]);
    expect(await follows.followerCount(author)).toBe(0);
  });

  it("rebuilds a missing timeline from Postgres once, including the viewer's own posts", async () => {
    const [author, fan, loner] = [newUser(), newUser(), newUser()];
    await follow(fan, author);
    const theirs = await publish(author);
    const mine = await publish(fan);
    // A fresh store: the cold start after a Redis flush.
    const coldReader = makeReader(createMemoryTimelineStore({ maxLength: TIMELINE_MAX }));
    const before = rebuilds;
    expect(await readAll(fan, 10, coldReader)).toEqual([mine.id, theirs.id]);
    expect(rebuilds).toBe(before + 1);
    await readAll(fan, 10, coldReader);
    // A built but empty timeline is not rebuilt on every read.
    expect(await readAll(loner, 10, coldReader)).toEqual([]);
    expect(await readAll(loner, 10, coldReader)).toEqual([]);
    expect(rebuilds).toBe(before + 2);
  });

  it("keeps cursors stable while new posts arrive", async () => {
    const [author, fan] = [newUser(), newUser()];
    await follow(fan, author);
    const older: string[] = [];
    for (let i = 0; i < 5; i++) older.push((await publish(author, `old ${i}`)).id);
    const first = await read(fan, 2);
    expect(first.edges.map((e) => e.post.id)).toEqual([older[4], older[3]]);
    for (let i = 0; i < 3; i++) await publish(author, `new ${i}`);
    const second = await read(fan, 2, first.endPosition);
    const third = await read(fan, 2, second.endPosition);
    expect([...second.edges, ...third.edges].map((e) => e.post.id)).toEqual([older[2], older[1], older[0]]);
    expect(third.hasNextPage).toBe(false);
  });

  it("serves the feed from Postgres when the timeline store fails", async () => {
    const [author, fan] = [newUser(), newUser()];
    await follow(fan, author);
    const created = [await publish(author), await publish(fan), await publish(author)];
    const failing: TimelineStore = {
      ...timelines,
      page: async () => {
        throw new Error("connection refused");
      },
    };
    expect(await readAll(fan, 2, makeReader(failing))).toEqual(created.map((p) => p.id).reverse());
  });
});
