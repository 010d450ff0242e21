import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { createKafkaTestClient, createRedisTestClient, waitFor } from "@plaza/testkit";
import { newSignUp, postGraphQL, postToSubgraphBothWays, startTestStack, type TestStack } from "./test-stack.ts";
import { observeTopic } from "./kafka-events.ts";

const SIGN_UP = "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }";
const FOLLOW = "mutation ($id: ID!) { follow(userId: $id) { id } }";
const CREATE_POST = "mutation ($body: String!) { createPost(input: { body: $body }) { id body createdAt author { id } } }";
const DELETE_POST = "mutation ($id: ID!) { deletePost(id: $id) }";
const FEED =
  "query ($first: Int, $after: String) { feed(first: $first, after: $after) { edges { cursor node { id body } } pageInfo { hasNextPage endCursor } } }";
const POST = "query ($id: ID!) { post(id: $id) { id body createdAt author { id handle } } }";
const USER_POSTS =
  "query ($id: ID!, $after: String) { user(id: $id) { posts(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }";

interface FeedData {
  feed: {
    edges: Array<{ cursor: string; node: { id: string; body: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

describe("posts and the home feed through the router (Postgres shards, Redis timelines, Kafka fan-out)", () => {
  let stack: TestStack;
  let redis: Redis;

  beforeAll(async () => {
    stack = await startTestStack();
    redis = createRedisTestClient({ keyPrefix: stack.env.REDIS_KEY_PREFIX });
  });
  afterAll(async () => {
    await redis?.quit();
    await stack?.stop();
  });

  async function signUp() {
    const result = await stack.gql<{ signUp: { token: string; user: { id: string } } }>(SIGN_UP, { input: newSignUp("poster") });
    expect(result.errors).toBeUndefined();
    return { token: result.data!.signUp.token, id: result.data!.signUp.user.id };
  }

  async function createPost(token: string, body: string) {
    const result = await stack.gql<{ createPost: { id: string; body: string; createdAt: string; author: { id: string } } }>(
      CREATE_POST,
      { body },
      token,
    );
    expect(result.errors).toBeUndefined();
    return result.data!.createPost;
  }

  const feed = async (token: string, first = 20, after?: string | null) => {
    const result = await stack.gql<FeedData>(FEED, { first, after }, token);
    expect(result.errors).toBeUndefined();
    return result.data!.feed;
  };
  const feedIds = async (token: string, first = 20) => (await feed(token, first)).edges.map((e) => e.node.id);

  /** Follows through the users subgraph; resolves once the posts subgraph has projected it (backfill shows `marker`). */
  async function followAndWait(follower: { token: string }, followee: { id: string }, markerPostId: string) {
    expect((await stack.gql(FOLLOW, { id: followee.id }, follower.token)).errors).toBeUndefined();
    await waitFor(async () => (await feedIds(follower.token, 100)).includes(markerPostId), {
      timeoutMs: 90_000,
      intervalMs: 200,
      description: "Followed projected by the posts subgraph",
    });
  }

  it("fans a new post out to followers' feeds; post(id) and User.posts resolve it with its author", async () => {
    const [author, fan, stranger] = [await signUp(), await signUp(), await signUp()];
    const first = await createPost(author.token, "first post");
    expect(first).toMatchObject({ body: "first post", author: { id: author.id } });
    await followAndWait(fan, author, first.id);

    const second = await createPost(author.token, "  second post  ");
    expect(second.body).toBe("second post");
    await waitFor(async () => (await feedIds(fan.token))[0] === second.id, {
      timeoutMs: 60_000,
      intervalMs: 100,
      description: "fan-out to the follower",
    });
    expect(await feedIds(fan.token)).toEqual([second.id, first.id]);
    expect(await feedIds(author.token)).toEqual([second.id, first.id]);
    expect(await feedIds(stranger.token)).toEqual([]);

    const byId = await stack.gql<{ post: { id: string; author: { id: string; handle: string } } }>(POST, { id: second.id });
    expect(byId.data?.post).toMatchObject({
      id: second.id,
      body: "second post",
      author: { id: author.id, handle: expect.any(String) },
    });

    const page1 = await stack.gql<{
      user: { posts: { edges: Array<{ node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    }>(USER_POSTS, {
      id: author.id,
    });
    expect(page1.data?.user.posts.edges.map((e) => e.node.id)).toEqual([second.id, first.id]);
    expect(page1.data?.user.posts.pageInfo.hasNextPage).toBe(false);
  });

  describe("bad input", () => {
    let alice: { token: string; id: string };
    let bob: { token: string; id: string };
    let bobsPost: { id: string };

    beforeAll(async () => {
      [alice, bob] = [await signUp(), await signUp()];
      bobsPost = await createPost(bob.token, "bob's");
    });

    const codeOf = (result: { errors?: Array<{ extensions?: { code?: string } }> }) => result.errors?.[0]?.extensions?.code;

    it.each([
      ["an empty body", ""],
      ["a whitespace-only body", "  \n\t "],
      ["a body over 5,000 characters", "x".repeat(5_001)],
      ["a lone surrogate (not encodable as UTF-8)", "broken \ud800 text"],
      ["a NUL character", "nul \u0000 byte"],
      ["an escape sequence", "clear \u001b[2J screen"],
      ["a C1 control", "next \u0085 line"],
      ["a right-to-left override (spoofing)", "invoice \u202Efdp.exe"],
      ["a left-to-right embedding", "\u202Aembedded\u202C"],
      ["a right-to-left isolate", "\u2067isolated\u2069"],
    ])("rejects %s with BAD_USER_INPUT", async (_name, body) => {
      const result = await stack.gql(CREATE_POST, { body }, alice.token);
      expect(codeOf(result)).toBe("BAD_USER_INPUT");
      expect(result.errors?.[0]?.extensions?.field).toBe("body");
      expect(result.data ?? null).toBeNull();
    });

    it("refuses a NUL alike through the router, the lane and yoga's path, as a variable and as a literal, and posts nothing", async () => {
      const author = await signUp();
      const refused = (field: string) => ({
        status: 200,
        errors: [
          {
            message: `${field} must not contain control characters or unpaired surrogates`,
            extensions: { field, code: "BAD_USER_INPUT" },
          },
        ],
      });
      const viaVariables = { query: CREATE_POST, variables: { body: "a\u0000b" } };
      const variable = await postToSubgraphBothWays(stack, { name: "posts", port: stack.posts.port }, viaVariables, author.id);
      expect(variable.lane).toEqual(refused("body"));
      expect(variable.yoga).toEqual(variable.lane);
      const viaLiteral = { query: 'mutation { createPost(input: { body: "a\\u0000b" }) { id } }' };
      const literal = await postToSubgraphBothWays(stack, { name: "posts", port: stack.posts.port }, viaLiteral, author.id);
      expect(literal.lane).toEqual(refused("input.body"));
      expect(literal.yoga).toEqual(literal.lane);
      const viaRouter = await stack.gql(viaLiteral.query, {}, author.token);
      expect(viaRouter.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.body" });
      expect(viaRouter.data ?? null).toBeNull();
      const posts = await stack.gql<{ user: { posts: { edges: unknown[] } } }>(USER_POSTS, { id: author.id });
      expect(posts.data?.user.posts.edges).toEqual([]);
    });

    it("keeps right-to-left text, bidirectional marks and new lines", async () => {
      const body = "שלום \u200Fעולם\u200E — مرحبا\nline two";
      expect((await createPost(bob.token, body)).body).toBe(body);
    });

    it("accepts exactly 5,000 characters, counting an emoji as one", async () => {
      const post = await createPost(alice.token, "😀".repeat(5_000));
      expect([...post.body]).toHaveLength(5_000);
    });

    it("rejects invalid UTF-8 bytes in the request body with BAD_USER_INPUT", async () => {
      const head = Buffer.from(JSON.stringify({ query: CREATE_POST, variables: { body: "PLACEHOLDER" } }));
      const at = head.indexOf("PLACEHOLDER");
      const body = Buffer.concat([
        head.subarray(0, at),
        Buffer.from([0x62, 0xff, 0xfe, 0x61]),
        head.subarray(at + "PLACEHOLDER".length),
      ]);
      const response = await fetch(stack.routerUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${alice.token}` },
        body,
      });
      const result = (await response.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
      expect(result.data ?? null).toBeNull();
      expect(codeOf(result)).toBe("BAD_USER_INPUT");
    });

    it("refuses createPost, deletePost and feed without a viewer with UNAUTHENTICATED", async () => {
      expect(codeOf(await stack.gql(CREATE_POST, { body: "hi" }))).toBe("UNAUTHENTICATED");
      expect(codeOf(await stack.gql(DELETE_POST, { id: bobsPost.id }))).toBe("UNAUTHENTICATED");
      expect(codeOf(await stack.gql(FEED, {}))).toBe("UNAUTHENTICATED");
    });

    it("answers FORBIDDEN for deleting another user's post, which stays", async () => {
      const result = await stack.gql(DELETE_POST, { id: bobsPost.id }, alice.token);
      expect(codeOf(result)).toBe("FORBIDDEN");
      expect((await stack.gql<{ post: { id: string } }>(POST, { id: bobsPost.id })).data?.post.id).toBe(bobsPost.id);
    });

    it("answers null for unknown and malformed post ids", async () => {
      const result = await stack.gql(
        '{ a: post(id: "01ZZZZZZZZZZZZZZZZZZZZZZZZ") { id } b: post(id: "nope") { id } c: post(id: "") { id } }',
      );
      expect(result).toMatchObject({ status: 200, data: { a: null, b: null, c: null } });
      expect(result.errors).toBeUndefined();
      expect(
        (await stack.gql<{ deletePost: boolean }>(DELETE_POST, { id: "01ZZZZZZZZZZZZZZZZZZZZZZZZ" }, alice.token)).data
          ?.deletePost,
      ).toBe(false);
    });

    it("rejects a page size over the maximum and cursors that do not decode with BAD_USER_INPUT", async () => {
      const userPostsCursor = (
        await stack.gql<{ user: { posts: { edges: Array<{ cursor: string }> } } }>(USER_POSTS, { id: bob.id })
      ).data!.user.posts.edges[0]!.cursor;
      const cases: Array<[string, Record<string, unknown>]> = [
        ["first over 100", { first: 101 }],
        ["negative first", { first: -1 }],
        ["garbage cursor", { after: "garbage!" }],
        ["base64 of nonsense", { after: Buffer.from("[1,2]").toString("base64url") }],
        ["a User.posts cursor", { after: userPostsCursor }],
      ];
      for (const [name, variables] of cases) {
        const result = await stack.gql(FEED, variables, alice.token);
        expect(codeOf(result), name).toBe("BAD_USER_INPUT");
      }
      expect(codeOf(await stack.gql(USER_POSTS, { id: bob.id, after: "garbage!" }))).toBe("BAD_USER_INPUT");
      // The process is unharmed.
      expect((await stack.gql(FEED, { first: 100 }, alice.token)).errors).toBeUndefined();
    });
  });

  it("deletes a post: gone from post(id), User.posts and followers' feeds", async () => {
    const [author, fan] = [await signUp(), await signUp()];
    const keep = await createPost(author.token, "keep");
    await followAndWait(fan, author, keep.id);
    const doomed = await createPost(author.token, "doomed");
    await waitFor(async () => (await feedIds(fan.token)).includes(doomed.id), {
      timeoutMs: 60_000,
      intervalMs: 100,
      description: "fan-out",
    });

    expect((await stack.gql<{ deletePost: boolean }>(DELETE_POST, { id: doomed.id }, author.token)).data?.deletePost).toBe(true);
    expect((await stack.gql<{ deletePost: boolean }>(DELETE_POST, { id: doomed.id }, author.token)).data?.deletePost).toBe(false);
    expect((await stack.gql(POST, { id: doomed.id })).data).toEqual({ post: null });
    // Never shown, even before PostDeleted has reached the timelines.
    expect(await feedIds(fan.token)).toEqual([keep.id]);
    const key = `feed:tl:${fan.id}`;
    await waitFor(async () => (await redis.zscore(key, doomed.id)) === null, {
      timeoutMs: 60_000,
      description: "PostDeleted removed the timeline entry",
    });
    const userPosts = await stack.gql<{ user: { posts: { edges: Array<{ node: { id: string } }> } } }>(USER_POSTS, {
      id: author.id,
    });
    expect(userPosts.data?.user.posts.edges.map((e) => e.node.id)).toEqual([keep.id]);
  });

  it("keeps one timeline entry when the same PostCreated is delivered twice", async () => {
    const observer = await observeTopic(createKafkaTestClient(), "plaza.posts.v1");
    const kafka = createKafkaTestClient();
    const producer = kafka.producer();
    const admin = kafka.admin();
    try {
      const [author, fan] = [await signUp(), await signUp()];
      const marker = await createPost(author.token, "marker");
      await followAndWait(fan, author, marker.id);
      const post = await createPost(author.token, "said once");
      await waitFor(() => observer.of("PostCreated", post.id).length === 1, {
        timeoutMs: 60_000,
        description: "PostCreated on Kafka",
      });
      const envelope = observer.of("PostCreated", post.id)[0]!;

      // The very same message (same event id) twice more, as a redelivery would bring it.
      await producer.connect();
      await admin.connect();
      const message = { key: post.id, value: JSON.stringify(envelope) };
      const [sent] = await producer.send({ topic: "plaza.posts.v1", messages: [message, message] });
      const lastOffset = Number(sent!.baseOffset) + 1;
      const groupId = `${stack.env.KAFKA_GROUP_PREFIX}posts.fanout`;
      await waitFor(
        async () => {
          const [topic] = await admin.fetchOffsets({ groupId, topics: ["plaza.posts.v1"] });
          const committed = topic?.partitions.find((p) => p.partition === sent!.partition)?.offset;
          return committed !== undefined && Number(committed) > lastOffset;
        },
        { timeoutMs: 60_000, intervalMs: 200, description: "the fan-out group consumed both duplicates" },
      );
      const timeline = await redis.zrange(`feed:tl:${fan.id}`, 0, -1);
      expect(timeline.filter((member) => member === post.id)).toHaveLength(1);
      expect(await feedIds(fan.token)).toEqual([post.id, marker.id]);
    } finally {
      await producer.disconnect();
      await admin.disconnect();
      await observer.stop();
    }
  });

  it("rebuilds a timeline lost from Redis from Postgres instead of answering an empty feed", async () => {
    const [author, fan] = [await signUp(), await signUp()];
    const posts = [await createPost(author.token, "one")];
    await followAndWait(fan, author, posts[0]!.id);
    posts.push(await createPost(fan.token, "my own"));
    await waitFor(async () => (await feedIds(fan.token)).length === 2, {
      timeoutMs: 60_000,
      description: "both posts in the feed",
    });
    const key = `feed:tl:${fan.id}`;
    expect(await redis.del(key)).toBe(1);
    expect(await feedIds(fan.token)).toEqual(posts.map((p) => p.id).reverse());
    expect(await redis.exists(key)).toBe(1);
  });

  it("pages the feed with cursors that stay valid while new posts arrive", async () => {
    const [author, fan] = [await signUp(), await signUp()];
    const older = [await createPost(author.token, "old 0")];
    await followAndWait(fan, author, older[0]!.id);
    for (let i = 1; i < 5; i++) older.push(await createPost(author.token, `old ${i}`));
    await waitFor(async () => (await feedIds(fan.token)).length === 5, {
      timeoutMs: 60_000,
      description: "five posts in the feed",
    });

    const page1 = await feed(fan.token, 2);
    expect(page1.edges.map((e) => e.node.id)).toEqual([older[4]!.id, older[3]!.id]);
    const newer = await createPost(author.token, "new");
    await waitFor(async () => (await feedIds(fan.token))[0] === newer.id, { timeoutMs: 60_000, description: "new post on top" });
    const page2 = await feed(fan.token, 2, page1.pageInfo.endCursor);
    const page3 = await feed(fan.token, 2, page2.pageInfo.endCursor);
    expect([...page2.edges, ...page3.edges].map((e) => e.node.id)).toEqual([older[2]!.id, older[1]!.id, older[0]!.id]);
    expect(page2.pageInfo.hasNextPage).toBe(true);
    expect(page3.pageInfo.hasNextPage).toBe(false);
  });

  it("rejects requests to the posts subgraph that lack the router's signature", async () => {
    const direct = await postGraphQL(`http://127.0.0.1:${stack.posts.port}/graphql`, { query: '{ post(id: "x") { id } }' });
    expect(direct.status).toBe(401);
    expect(direct.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
