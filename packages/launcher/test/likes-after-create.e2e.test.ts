import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "@plaza/sharding";
import { waitFor } from "@plaza/testkit";
import { newSignUp, startTestStack, type TestStack } from "./test-stack.ts";

const SIGN_UP = "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }";
const CREATE_POST = "mutation ($body: String!) { createPost(input: { body: $body }) { id } }";
const DELETE_POST = "mutation ($id: ID!) { deletePost(id: $id) }";
const LIKE = "mutation ($id: ID!) { likePost(postId: $id) { id likeCount viewerHasLiked } }";

/**
 * Read-your-writes across subgraphs on real Kafka: the counters subgraph learns of posts from PostCreated, which the
 * posts outbox relay publishes after the commit. A like sent as soon as createPost answered must not be refused.
 */
describe("liking a post right after creating it (Postgres shards, Redis, Kafka)", () => {
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    stack = await startTestStack();
    const signedUp = await stack.gql<{ signUp: { token: string } }>(SIGN_UP, { input: newSignUp("ryw") });
    token = signedUp.data!.signUp.token;
  });
  afterAll(async () => stack?.stop());

  async function lookups(result: string): Promise<number> {
    const metric = await stack.counters.metrics.registry.getSingleMetric("plaza_counters_post_lookups_total")?.get();
    return metric?.values.find((v) => v.labels.result === result)?.value ?? 0;
  }

  it("likes each of 20 posts at once after createPost answered", async () => {
    for (let index = 0; index < 20; index++) {
      const created = await stack.gql<{ createPost: { id: string } }>(CREATE_POST, { body: `fresh ${index}` }, token);
      expect(created.errors).toBeUndefined();
      const id = created.data!.createPost.id;
      const liked = await stack.gql<{ likePost: unknown }>(LIKE, { id }, token);
      expect(liked.errors).toBeUndefined();
      expect(liked.data?.likePost).toEqual({ id, likeCount: 1, viewerHasLiked: true });
    }
  });

  it("still refuses posts that never existed (well-formed and malformed ids) and deleted ones", async () => {
    // A well-formed id (the posts subgraph's own format) that was never minted, and ids that cannot be post ids.
    const never = newId(7);
    for (const id of [never, newId(1234), "not-a-post", "x".repeat(26), "../../etc/passwd"]) {
      const result = await stack.gql(LIKE, { id }, token);
      expect(result.errors?.[0]?.extensions?.code, id).toBe("NOT_FOUND");
    }
    // Asked again: answered from the short "not found" memory, without a second call to posts.
    const asked = await lookups("not_found");
    const again = await stack.gql(LIKE, { id: never }, token);
    expect(again.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(await lookups("not_found")).toBe(asked);

    const created = await stack.gql<{ createPost: { id: string } }>(CREATE_POST, { body: "short-lived" }, token);
    const id = created.data!.createPost.id;
    expect((await stack.gql(DELETE_POST, { id }, token)).data).toEqual({ deletePost: true });
    // Refused once PostDeleted reached the counters, or at once if PostCreated had not either (the posts subgraph says
    // it is gone); a projection that has PostCreated but not yet PostDeleted still takes a like for that moment.
    await waitFor(async () => (await stack.gql(LIKE, { id }, token)).errors?.[0]?.extensions?.code === "NOT_FOUND", {
      timeoutMs: 60_000,
      intervalMs: 100,
      description: "deleted post refused",
    });
  });
});
