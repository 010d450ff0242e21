import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { INTERNAL_AUTH_HEADER, signInternalIdentity } from "@plaza/kit";
import { createKafkaTestClient, waitFor } from "@plaza/testkit";
import { createCountedPost, newSignUp, startTestStack, type TestStack } from "./test-stack.ts";
import { observeTopic } from "./kafka-events.ts";

const SIGN_UP = "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }";
const DELETE_POST = "mutation ($id: ID!) { deletePost(id: $id) }";
const LIKE = "mutation ($id: ID!) { likePost(postId: $id) { id likeCount viewerHasLiked } }";
const UNLIKE = "mutation ($id: ID!) { unlikePost(postId: $id) { id likeCount viewerHasLiked } }";
const POST = "query ($id: ID!) { post(id: $id) { id body author { id } likeCount viewCount viewerHasLiked } }";
const INCREMENT = "mutation ($input: IncrementCounterInput!) { incrementCounter(input: $input) { resourceId type value } }";
const COUNTERS = "query ($keys: [CounterKey!]!) { counters(keys: $keys) { resourceId type value } }";
const COUNTER_CHANGED = "subscription ($id: ID!) { counterChanged(resourceId: $id, type: VIEW) { value } }";

type PostData = {
  post: {
    id: string;
    body: string;
    author: { id: string };
    likeCount: number;
    viewCount: number;
    viewerHasLiked: boolean;
  } | null;
};

describe("counters through the router (Postgres shards, Redis, Kafka)", () => {
  let stack: TestStack;
  let observer: Awaited<ReturnType<typeof observeTopic>>;

  beforeAll(async () => {
    stack = await startTestStack();
    observer = await observeTopic(createKafkaTestClient(), "plaza.counters.v1");
  });
  afterAll(async () => {
    await observer?.stop();
    await stack?.stop();
  });

  async function signUp() {
    const result = await stack.gql<{ signUp: { token: string; user: { id: string } } }>(SIGN_UP, { input: newSignUp("liker") });
    expect(result.errors).toBeUndefined();
    return { token: result.data!.signUp.token, id: result.data!.signUp.user.id };
  }

  /** A post created through the posts subgraph; resolves once the counters subgraph has projected it. */
  const createPost = (token: string) => createCountedPost(stack, token);

  it("likes a post created in the posts subgraph and shows its counters on Post through the router", async () => {
    const author = await signUp();
    const liker = await signUp();
    const id = await createPost(author.token);
    const liked = await stack.gql<{ likePost: { likeCount: number; viewerHasLiked: boolean } }>(LIKE, { id }, liker.token);
    expect(liked.data?.likePost).toEqual({ id, likeCount: 1, viewerHasLiked: true });
    for (const viewer of [author, liker])
      expect(
        (await stack.gql(INCREMENT, { input: { resourceId: id, type: "VIEW", delta: 1 } }, viewer.token)).errors,
      ).toBeUndefined();

    const asLiker = await stack.gql<PostData>(POST, { id }, liker.token);
    expect(asLiker.data?.post).toEqual({
      id,
      body: "counted",
      author: { id: author.id },
      likeCount: 1,
      viewCount: 2,
      viewerHasLiked: true,
    });
    const anonymous = await stack.gql<PostData>(POST, { id });
    expect(anonymous.data?.post).toMatchObject({ likeCount: 1, viewerHasLiked: false });

    const unliked = await stack.gql<{ unlikePost: { likeCount: number } }>(UNLIKE, { id }, liker.token);
    expect(unliked.data?.unlikePost.likeCount).toBe(0);
    const byLiker = (type: string) => observer.of(type, `LIKE:${id}`).filter((e) => e.payload.userId === liker.id).length;
    await waitFor(() => byLiker("PostLiked") === 1 && byLiker("PostUnliked") === 1, {
      timeoutMs: 30_000,
      description: "like events on Kafka, keyed by the counter key",
    });
  });

  it("answers NOT_FOUND for liking a deleted post, UNAUTHENTICATED for an anonymous like", async () => {
    const author = await signUp();
    const id = await createPost(author.token);
    expect((await stack.gql(LIKE, { id })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await stack.gql(DELETE_POST, { id }, author.token)).data).toEqual({ deletePost: true });
    await waitFor(async () => (await stack.gql(LIKE, { id }, author.token)).errors?.[0]?.extensions?.code === "NOT_FOUND", {
      timeoutMs: 60_000,
      intervalMs: 100,
      description: "PostDeleted projected",
    });
  });

  it("counts 100 concurrent shares through the router exactly, records each on Kafka, and rate-limits per viewer", async () => {
    const author = await signUp();
    const resourceId = await createPost(author.token);
    // Ten shares per viewer and post is the product's burst: ten viewers, ten shares each, all at once.
    const viewers = await Promise.all(Array.from({ length: 10 }, () => signUp()));
    const share = (token: string, extra: Record<string, unknown> = {}) =>
      stack.gql<{ incrementCounter: { value: number } }>(
        INCREMENT,
        { input: { resourceId, type: "SHARE", delta: 1, ...extra } },
        token,
      );
    const results = await Promise.all(viewers.flatMap((viewer) => Array.from({ length: 10 }, () => share(viewer.token))));
    expect(results.filter((r) => r.errors)).toEqual([]);
    const read = await stack.gql<{ counters: Array<{ value: number }> }>(COUNTERS, {
      keys: [
        { resourceId, type: "SHARE" },
        { resourceId, type: "VIEW" },
      ],
    });
    expect(read.data?.counters.map((c) => c.value)).toEqual([100, 0]);
    await waitFor(() => observer.of("CounterIncremented", `SHARE:${resourceId}`).length === 100, {
      timeoutMs: 30_000,
      description: "100 CounterIncremented events",
    });

    // The eleventh share of a viewer is refused with the wait; another viewer still shares.
    const refused = await share(viewers[0]!.token);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED" });
    expect((refused.errors?.[0]?.extensions as { retryAfterSeconds?: number }).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    const fresh = await signUp();
    expect((await share(fresh.token, { idempotencyKey: "share-1" })).data?.incrementCounter.value).toBe(101);
    // Its retry (same idempotencyKey) is answered, not refused, and counts nothing.
    expect((await share(fresh.token, { idempotencyKey: "share-1" })).data?.incrementCounter.value).toBe(101);
  });

  it("refuses anonymous, LIKE, negative and unknown-resource increments through the router", async () => {
    const viewer = await signUp();
    const id = await createPost(viewer.token);
    await stack.gql(LIKE, { id }, viewer.token);
    const anonymous = await stack.gql(INCREMENT, { input: { resourceId: id, type: "VIEW", delta: 1 } });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const like = await stack.gql(INCREMENT, { input: { resourceId: id, type: "LIKE", delta: 1 } }, viewer.token);
    expect(like.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const negative = await stack.gql(INCREMENT, { input: { resourceId: id, type: "SHARE", delta: -1 } }, viewer.token);
    expect(negative.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "delta" });
    const unknown = await stack.gql(INCREMENT, { input: { resourceId: randomUUID(), type: "VIEW", delta: 1 } }, viewer.token);
    expect(unknown.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const post = await stack.gql<PostData>(POST, { id }, viewer.token);
    expect(post.data?.post).toMatchObject({ likeCount: 1, viewCount: 0, viewerHasLiked: true });
  });

  it("rejects bad input through the router", async () => {
    const viewer = await signUp();
    const zero = await stack.gql(INCREMENT, { input: { resourceId: "r", type: "VIEW", delta: 0 } }, viewer.token);
    expect(zero.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "delta" });
    const unknownType = await stack.gql(`{ counter(resourceId: "r", type: CLICK) { value } }`);
    expect(unknownType.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const tooMany = await stack.gql(COUNTERS, {
      keys: Array.from({ length: 501 }, (_, i) => ({ resourceId: `r${i}`, type: "VIEW" })),
    });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("pushes counterChanged from the counters subgraph over graphql-ws", async () => {
    const viewer = await signUp();
    const resourceId = await createPost(viewer.token);
    const client = createClient({
      url: `ws://127.0.0.1:${stack.counters.port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: () => ({
        [INTERNAL_AUTH_HEADER]: signInternalIdentity(
          stack.env.INTERNAL_AUTH_KEY!,
          { viewerId: null },
          { subgraph: "counters", purpose: "graphql-ws" },
        ),
      }),
      retryAttempts: 0,
    });
    const values: number[] = [];
    const dispose = client.subscribe<{ counterChanged: { value: number } }>(
      { query: COUNTER_CHANGED, variables: { id: resourceId } },
      { next: (r) => r.data && values.push(r.data.counterChanged.value), error: () => undefined, complete: () => undefined },
    );
    try {
      // Increment until the subscription is live and has seen the final value.
      let sent = 0;
      await waitFor(
        async () => {
          sent += 1;
          await stack.gql(INCREMENT, { input: { resourceId, type: "VIEW", delta: 1 } }, viewer.token);
          return values.length > 0 && values.at(-1) === sent;
        },
        { timeoutMs: 30_000, intervalMs: 100, description: "counterChanged delivered" },
      );
    } finally {
      dispose();
      await client.dispose();
    }
  });
});
