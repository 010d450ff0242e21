import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@plaza/kit";
import { waitFor } from "@plaza/testkit";
import { loadUsersConfig } from "@plaza/users/env";
import { startUsersService, type UsersService } from "@plaza/users/service";
import { newSignUp, postToSubgraph, startTestStack, type TestStack } from "./test-stack.ts";

const SIGN_UP = "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }";
const USER = "query ($id: ID!) { user(id: $id) { id displayName } }";

/** A counter's total over its label sets, from a service's /metrics. */
async function metric(port: number, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

describe("users entity cache (two users instances on the same shards and Kafka)", () => {
  let stack: TestStack;
  let second: UsersService;

  beforeAll(async () => {
    // A TTL far beyond the test: a fresh value can only come from an eviction.
    const env = { USERS_ENTITY_CACHE_TTL_MS: "600000" };
    stack = await startTestStack({ env });
    second = await startUsersService(loadUsersConfig(stack.env), {
      bus: stack.bus,
      logger: createLogger({ service: "users-2", level: "silent" }),
    });
  });
  afterAll(async () => {
    await second?.stop();
    await stack?.stop();
  });

  it("serves hot users from memory and evicts them on another instance's ProfileUpdated event", async () => {
    const signUp = await stack.gql<{ signUp: { token: string; user: { id: string } } }>(SIGN_UP, { input: newSignUp("cached") });
    const { token, user } = signUp.data!.signUp;
    const readSecond = async () =>
      (
        await postToSubgraph<{ user: { displayName: string } }>(
          stack,
          { name: "users", port: second.port },
          { viewerId: null },
          { query: USER, variables: { id: user.id } },
        )
      ).data?.user.displayName;

    const original = await readSecond();
    const hits = await metric(second.port, "plaza_users_entity_cache_lookups_total", 'result="hit"');
    expect(await readSecond()).toBe(original);
    expect(await metric(second.port, "plaza_users_entity_cache_lookups_total", 'result="hit"')).toBe(hits + 1);

    // The write goes through the stack's users instance (the router's); the second one only hears the event.
    const updated = await stack.gql('mutation { updateProfile(input: { displayName: "Evicted Elsewhere" }) { id } }', {}, token);
    expect(updated.errors).toBeUndefined();
    await waitFor(async () => (await readSecond()) === "Evicted Elsewhere", {
      timeoutMs: 60_000,
      description: "second instance evicted the user",
    });
    expect(await metric(second.port, "plaza_users_entity_cache_evictions_total", 'source="event"')).toBeGreaterThanOrEqual(1);
  });
});
