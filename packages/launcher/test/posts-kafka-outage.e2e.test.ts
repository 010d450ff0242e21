import { describe, expect, it } from "vitest";
import { waitFor } from "@plaza/testkit";
import { newSignUp, stackOnPrivateKafka } from "./test-stack.ts";

const SIGN_UP = "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }";
const CREATE_POST = "mutation ($body: String!) { createPost(input: { body: $body }) { id } }";
const FEED = "{ feed(first: 50) { edges { node { id } } } }";

// A private broker: this test stops it, which must not disturb other test files.
describe("posts while Kafka is down (real broker stopped and restarted)", () => {
  const running = stackOnPrivateKafka();

  async function signUp() {
    const result = await running
      .stack()
      .gql<{ signUp: { token: string; user: { id: string } } }>(SIGN_UP, { input: newSignUp("outage") });
    expect(result.errors).toBeUndefined();
    return { token: result.data!.signUp.token, id: result.data!.signUp.user.id };
  }
  async function createPost(token: string, body: string): Promise<string> {
    const result = await running.stack().gql<{ createPost: { id: string } }>(CREATE_POST, { body }, token);
    expect(result.errors).toBeUndefined();
    return result.data!.createPost.id;
  }
  const feedIds = async (token: string) =>
    (
      (await running.stack().gql<{ feed: { edges: Array<{ node: { id: string } }> } }>(FEED, {}, token)).data?.feed.edges ?? []
    ).map((e) => e.node.id);

  it("saves posts written during the outage and fans them out once the broker is back", async () => {
    const [author, fan] = [await signUp(), await signUp()];
    const before = await createPost(author.token, "before the outage");
    expect(
      (await running.stack().gql("mutation ($id: ID!) { follow(userId: $id) { id } }", { id: author.id }, fan.token)).errors,
    ).toBeUndefined();
    await waitFor(async () => (await feedIds(fan.token)).includes(before), {
      timeoutMs: 120_000,
      intervalMs: 200,
      description: "the follow reached the posts subgraph",
    });

    await running.kafka().stop();
    const during = await Promise.all([createPost(author.token, "during 1"), createPost(author.token, "during 2")]);
    const saved = await running
      .stack()
      .gql<{ a: { id: string } | null; b: { id: string } | null }>(
        "query ($a: ID!, $b: ID!) { a: post(id: $a) { id } b: post(id: $b) { id } }",
        { a: during[0], b: during[1] },
      );
    expect(saved.data).toEqual({ a: { id: during[0] }, b: { id: during[1] } });
    // The fan's timeline is built, so only the fan-out (Kafka) can bring the new posts in.
    expect(await feedIds(fan.token)).toEqual([before]);

    await running.kafka().start();
    await waitFor(
      async () => {
        const ids = await feedIds(fan.token);
        return during.every((id) => ids.includes(id));
      },
      { timeoutMs: 120_000, intervalMs: 250, description: "posts written during the outage in the follower's feed" },
    );
    expect(await feedIds(fan.token)).toEqual([...[...during].sort().reverse(), before]);
  });
});
