import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@plaza/testkit";
import { cachedGql, consumed, startExtraRouter, type ExtraRouter } from "./extra-router.ts";
import { newSignUp, postToSubgraph, startTestStack, type TestStack } from "./test-stack.ts";

const SIGN_UP = "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }";
const USER = "query ($id: ID!) { user(id: $id) { id handle displayName followerCount } }";
const ME = "{ me { id handle displayName } }";
const UPDATE_PROFILE = "mutation ($name: String!) { updateProfile(input: { displayName: $name }) { id displayName } }";
const CREATE_POST = "mutation ($body: String!) { createPost(input: { body: $body }) { id } }";
const DELETE_POST = "mutation ($id: ID!) { deletePost(id: $id) }";
const POST = "query ($id: ID!) { post(id: $id) { body author { displayName } likeCount } }";
const POST_PRIVATE = "query ($id: ID!) { post(id: $id) { id likeCount viewerHasLiked } }";
const USER_POSTS = "query ($id: ID!) { user(id: $id) { posts(first: 10) { edges { node { id } } } } }";
const FEED = "{ feed(first: 10) { edges { node { id author { id } } } } }";
const LIKE = "mutation ($id: ID!) { likePost(postId: $id) { id likeCount } }";

describe("response cache over the whole stack (Postgres, Redis, Kafka, two router instances)", () => {
  let stack: TestStack;
  let routerB: ExtraRouter;
  let a: ExtraRouter["gql"];
  /** `<type>:<aggregateId>` and the id of every event each router's cache consumed. */
  const seen = { a: new Set<string>(), b: new Set<string>() };
  const eventIds = { a: new Map<string, string[]>(), b: new Map<string, string[]>() };
  const track = (cache: ExtraRouter["cache"], router: "a" | "b") =>
    cache.onInvalidated(({ event }) => {
      if (!event) return;
      const key = `${event.type}:${event.aggregateId}`;
      seen[router].add(key);
      eventIds[router].set(key, [...(eventIds[router].get(key) ?? []), event.id]);
    });

  beforeAll(async () => {
    // A long TTL on the users entity cache: whatever is fresh below was evicted by an event, not by age.
    stack = await startTestStack({ env: { ROUTER_INSTANCE_ID: "router-a", USERS_ENTITY_CACHE_TTL_MS: "600000" } });
    routerB = await startExtraRouter(stack, "router-b", (cache) => track(cache, "b"));
    a = (query, variables, token) => cachedGql(stack.routerUrl, query, variables, token);
    track(stack.responseCache!, "a");
  });
  afterAll(async () => {
    await routerB?.stop();
    await stack?.stop();
  });

  async function signUp(prefix = "rc") {
    const result = await stack.gql<{ signUp: { token: string; user: { id: string } } }>(SIGN_UP, { input: newSignUp(prefix) });
    expect(result.errors).toBeUndefined();
    return { token: result.data!.signUp.token, id: result.data!.signUp.user.id };
  }

  /**
   * Creates a post and waits until both routers consumed its PostCreated (which invalidates the author): a read
   * racing with that invalidation would rightly not be cached, and the assertions below count on hits.
   */
  async function createPost(token: string, body = "cached post") {
    const created = await a<{ createPost: { id: string } }>(CREATE_POST, { body }, token);
    expect(created.errors).toBeUndefined();
    const id = created.data!.createPost.id;
    await waitFor(() => seen.a.has(`PostCreated:${id}`) && seen.b.has(`PostCreated:${id}`), {
      timeoutMs: 60_000,
      description: "PostCreated consumed by both routers",
    });
    return id;
  }

  /** Subgraph fetches the stack's router made so far, by subgraph (from its /metrics). */
  async function fetchCounts(): Promise<Record<string, number>> {
    const text = await (await fetch(stack.routerUrl.replace("/graphql", "/metrics"))).text();
    const counts: Record<string, number> = {};
    for (const match of text.matchAll(
      /^plaza_router_subgraph_fetch_duration_seconds_count\{subgraph="([^"]+)",outcome="[^"]+"\} (\d+)/gm,
    )) {
      counts[match[1]!] = (counts[match[1]!] ?? 0) + Number(match[2]);
    }
    return counts;
  }

  it("never lets two viewers see each other's me, feed or viewerHasLiked", async () => {
    const [one, two] = [await signUp("viewer"), await signUp("viewer")];
    const postId = await createPost(one.token, "liked by one only");
    await waitFor(async () => !(await a(LIKE, { id: postId }, one.token)).errors, {
      timeoutMs: 60_000,
      description: "post known to counters",
    });
    // Its PostLiked event invalidates the post once more on each router: let that land before counting hits.
    await waitFor(() => seen.a.has(`PostLiked:LIKE:${postId}`), { timeoutMs: 60_000, description: "PostLiked consumed" });
    for (let round = 0; round < 3; round++) {
      for (const [viewer, other] of [
        [one, two],
        [two, one],
      ] as const) {
        const me = await a<{ me: { id: string } }>(ME, {}, viewer.token);
        expect(me.data?.me.id).toBe(viewer.id);
        const liked = await a<{ post: { viewerHasLiked: boolean } }>(POST_PRIVATE, { id: postId }, viewer.token);
        expect(liked.data?.post.viewerHasLiked).toBe(viewer === one);
        const feed = await a<{ feed: { edges: Array<{ node: { author: { id: string } } }> } }>(FEED, {}, viewer.token);
        for (const edge of feed.data?.feed.edges ?? []) expect(edge.node.author.id).not.toBe(other.id);
        if (round > 0) {
          expect(me.cache).toBe("hit-l1");
          expect(liked.cache).toBe("hit-l1");
          expect(feed.cache).toBe("bypass"); // the feed is never cached
        }
      }
    }
    expect((await a(ME)).data).toEqual({ me: null });
    // Anonymous callers never get a per-viewer result.
    expect((await a<{ post: { viewerHasLiked: boolean } }>(POST_PRIVATE, { id: postId })).data?.post.viewerHasLiked).toBe(false);
  });

  it("serves fresh data from another router instance once it consumed the event of an updateProfile", async () => {
    const user = await signUp();
    for (const gql of [a, routerB.gql]) {
      await gql(USER, { id: user.id });
      expect((await gql(USER, { id: user.id })).cache).toBe("hit-l1");
    }
    const eventOnB = consumed(routerB.cache, (e) => e.type === "ProfileUpdated" && e.aggregateId === user.id);
    const updated = await a<{ updateProfile: { displayName: string } }>(UPDATE_PROFILE, { name: "Renamed Once" }, user.token);
    expect(updated.data?.updateProfile.displayName).toBe("Renamed Once");
    // The router that ran the mutation evicted at once.
    expect((await a<{ user: { displayName: string } }>(USER, { id: user.id })).data?.user.displayName).toBe("Renamed Once");
    await eventOnB;
    const fromB = await routerB.gql<{ user: { displayName: string } }>(USER, { id: user.id });
    expect(fromB.data?.user.displayName).toBe("Renamed Once");
    expect(fromB.cache).not.toBe("hit-l1");
  });

  it("catches up from its committed offset after a restart with the same instance id", async () => {
    const user = await signUp();
    // Prime: router B consumes one event of this user's partition and commits its offset.
    const first = consumed(routerB.cache, (e) => e.type === "ProfileUpdated" && e.aggregateId === user.id);
    await a(UPDATE_PROFILE, { name: "Before Restart" }, user.token);
    await first;
    await routerB.stop();
    const missed = await a<{ updateProfile: { id: string } }>(UPDATE_PROFILE, { name: "While B Was Down" }, user.token);
    expect(missed.errors).toBeUndefined();
    // Router A consumes the same event: that is how we learn its id.
    const key = `ProfileUpdated:${user.id}`;
    const missedId = await waitFor(() => eventIds.a.get(key)?.[1], {
      timeoutMs: 60_000,
      description: "second ProfileUpdated on router A",
    });
    routerB = await startExtraRouter(stack, "router-b", (cache) => track(cache, "b"));
    await waitFor(() => eventIds.b.get(key)?.includes(missedId), {
      timeoutMs: 60_000,
      description: "the event missed while down, consumed after the restart",
    });
  });

  it("runs 50 concurrent identical misses upstream once: one fetch per subgraph", async () => {
    const author = await signUp();
    const postId = await createPost(author.token, "fifty readers");
    // The counters subgraph learns about posts from PostCreated: wait until it answers for this one.
    await waitFor(async () => !(await stack.gql(POST, { id: postId })).errors, {
      timeoutMs: 60_000,
      description: "post readable",
    });
    await stack.responseCache!.invalidate([{ typename: "Post", id: postId }], "mutation");
    const before = await fetchCounts();
    const results = await Promise.all(Array.from({ length: 50 }, () => a<{ post: unknown }>(POST, { id: postId })));
    const after = await fetchCounts();
    for (const result of results)
      expect(result.data).toEqual({ post: { body: "fifty readers", author: { displayName: expect.any(String) }, likeCount: 0 } });
    for (const subgraph of ["posts", "users", "counters"])
      expect((after[subgraph] ?? 0) - (before[subgraph] ?? 0), subgraph).toBe(1);
  });

  it("drops a deleted post from cached post(id) and from its author's posts, on every router", async () => {
    const author = await signUp();
    const postId = await createPost(author.token, "soon gone");
    const ids = async (gql: ExtraRouter["gql"]) =>
      (
        (await gql<{ user: { posts: { edges: Array<{ node: { id: string } }> } } }>(USER_POSTS, { id: author.id })).data?.user
          .posts.edges ?? []
      ).map((e) => e.node.id);
    for (const gql of [a, routerB.gql]) {
      await waitFor(async () => !(await gql(POST, { id: postId })).errors, { timeoutMs: 60_000, description: "post readable" });
      expect((await gql(POST, { id: postId })).cache).toBe("hit-l1");
      expect(await ids(gql)).toEqual([postId]);
    }
    const eventOnB = consumed(routerB.cache, (e) => e.type === "PostDeleted" && e.aggregateId === postId);
    expect((await a(DELETE_POST, { id: postId }, author.token)).data).toEqual({ deletePost: true });
    expect((await a(POST, { id: postId })).data).toEqual({ post: null });
    expect(await ids(a)).toEqual([]);
    await eventOnB;
    expect((await routerB.gql(POST, { id: postId })).data).toEqual({ post: null });
    expect(await ids(routerB.gql)).toEqual([]);
  });

  it("invalidates Post.likeCount when a like reaches the counters subgraph directly, not through a router", async () => {
    const [author, liker] = [await signUp(), await signUp()];
    const postId = await createPost(author.token, "liked behind the routers' backs");
    await waitFor(async () => !(await a(POST, { id: postId })).errors, { timeoutMs: 60_000, description: "post readable" });
    expect((await a<{ post: { likeCount: number } }>(POST, { id: postId })).data?.post.likeCount).toBe(0);
    expect((await a(POST, { id: postId })).cache).toBe("hit-l1");

    const eventOnA = consumed(stack.responseCache!, (e) => e.type === "PostLiked" && e.aggregateId.endsWith(postId));
    const direct = await postToSubgraph(
      stack,
      { name: "counters", port: stack.counters.port },
      { viewerId: liker.id },
      { query: LIKE, variables: { id: postId } },
    );
    expect(direct.errors).toBeUndefined();
    await eventOnA;
    const after = await a<{ post: { likeCount: number } }>(POST, { id: postId });
    expect(after.data?.post.likeCount).toBe(1);
    expect(after.cache).not.toBe("hit-l1");
  });
});
