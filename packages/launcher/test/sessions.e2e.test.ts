import { createHmac, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { signAccessToken } from "@plaza/kit";
import { newId } from "@plaza/sharding";
import { createKafkaTestClient, waitFor } from "@plaza/testkit";
import { newSignUp, postToSubgraph, startTestStack, type TestStack } from "./test-stack.ts";
import { startExtraRouter, type ExtraRouter } from "./extra-router.ts";
import { observeTopic } from "./kafka-events.ts";

const SIGN_UP = "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }";
const SIGN_IN = "mutation ($email: String!, $password: String!) { signIn(email: $email, password: $password) { token } }";
const ME = "{ me { id } }";
const SIGN_OUT = "mutation { signOut }";
const SIGN_OUT_EVERYWHERE = "mutation { signOutEverywhere }";
const CREATE_POST = "mutation ($body: String!) { createPost(input: { body: $body }) { id } }";

describe("sessions: sign-out, revocation, lifetime cap (router + users on real Postgres and Kafka)", () => {
  let stack: TestStack;
  let second: ExtraRouter;
  let observer: Awaited<ReturnType<typeof observeTopic>>;

  beforeAll(async () => {
    stack = await startTestStack();
    second = await startExtraRouter(stack, `sessions-${randomBytes(4).toString("hex")}`);
    observer = await observeTopic(createKafkaTestClient(), "plaza.users.v1");
  });
  afterAll(async () => {
    await observer?.stop();
    await second?.stop();
    await stack?.stop();
  });

  async function signUp() {
    const input = newSignUp("s");
    const result = await stack.gql<{ signUp: { token: string; user: { id: string } } }>(SIGN_UP, { input });
    expect(result.errors).toBeUndefined();
    return { ...result.data!.signUp, input };
  }
  async function signIn(input: { email: string; password: string }) {
    const result = await stack.gql<{ signIn: { token: string } }>(SIGN_IN, { email: input.email, password: input.password });
    expect(result.errors).toBeUndefined();
    return result.data!.signIn.token;
  }
  const expectRefused = (result: { status: number; data?: unknown; errors?: Array<{ extensions?: { code?: string } }> }) => {
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(result.data ?? null).toBeNull();
  };
  /** Resolves once `router`'s authenticator applied a revocation event matching the user. */
  const revokedOn = (router: ExtraRouter["router"], userId: string) =>
    new Promise<void>((resolve) => {
      const off = router.authenticator.onRevoked((_matches, revocation) => {
        if (revocation.userId === userId) {
          off();
          resolve();
        }
      });
    });

  it("signOut refuses that token on the next request (also a cached one) while the user's other session works", async () => {
    const { token, user, input } = await signUp();
    const other = await signIn(input);
    // Twice: the second is served from the remembered verdict (and the response cache) without a session check.
    expect((await stack.gql(ME, {}, token)).data).toEqual({ me: { id: user.id } });
    expect((await stack.gql(ME, {}, token)).data).toEqual({ me: { id: user.id } });

    expect(await stack.gql(SIGN_OUT, {}, token)).toMatchObject({ status: 200, data: { signOut: true } });
    expectRefused(await stack.gql(ME, {}, token));
    expectRefused(await stack.gql(CREATE_POST, { body: "after sign-out" }, token));
    expect((await stack.gql(ME, {}, other)).data).toEqual({ me: { id: user.id } });
    // Signing out twice is refused too: the token is dead.
    expectRefused(await stack.gql(SIGN_OUT, {}, token));
    await waitFor(() => observer.of("SessionRevoked", user.id).length === 1, {
      timeoutMs: 30_000,
      description: "SessionRevoked on Kafka",
    });
  });

  it("a second router instance refuses a signed-out token once it consumed the revocation", async () => {
    const { token, user, input } = await signUp();
    const other = await signIn(input);
    // The second router remembers both tokens as live.
    expect((await second.gql(ME, {}, token)).data).toEqual({ me: { id: user.id } });
    expect((await second.gql(ME, {}, other)).data).toEqual({ me: { id: user.id } });
    const revoked = revokedOn(second.router, user.id);
    expect((await stack.gql(SIGN_OUT, {}, token)).data).toEqual({ signOut: true });
    await revoked;
    expectRefused(await second.gql(ME, {}, token));
    expect((await second.gql(ME, {}, other)).data).toEqual({ me: { id: user.id } });
  });

  it("signOutEverywhere refuses every token of the user on every router; signing in again works", async () => {
    const { token, user, input } = await signUp();
    const other = await signIn(input);
    expect((await second.gql(ME, {}, other)).data).toEqual({ me: { id: user.id } });
    const revoked = revokedOn(second.router, user.id);
    expect((await stack.gql(SIGN_OUT_EVERYWHERE, {}, token)).data).toEqual({ signOutEverywhere: true });
    expectRefused(await stack.gql(ME, {}, token));
    expectRefused(await stack.gql(ME, {}, other));
    await revoked;
    expectRefused(await second.gql(ME, {}, other));
    const fresh = await signIn(input);
    expect((await stack.gql(ME, {}, fresh)).data).toEqual({ me: { id: user.id } });
    expect((await second.gql(ME, {}, fresh)).data).toEqual({ me: { id: user.id } });
    await waitFor(() => observer.of("TokensRevoked", user.id).length === 1, {
      timeoutMs: 30_000,
      description: "TokensRevoked on Kafka",
    });
  });

  it("does not let clients call the session check through the router", async () => {
    const { token } = await signUp();
    const result = await stack.gql('{ _sessionActive(sessionId: "x", tokenVersion: 0) }', {}, token);
    expect(result.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(result.data ?? null).toBeNull();
  });

  it("refuses anonymous sign-outs", async () => {
    const result = await stack.gql(SIGN_OUT);
    expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("refuses a well-signed token whose lifetime exceeds the cap, or that has no iat", async () => {
    const { user } = await signUp();
    const centuries = await signAccessToken(stack.env.JWT_SECRET!, user.id, 300 * 365 * 24 * 3600);
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: user.id, iss: "plaza", aud: "plaza", exp: now + 600 })}`;
    const noIat = `${unsigned}.${createHmac("sha256", stack.env.JWT_SECRET!).update(unsigned).digest("base64url")}`;
    for (const token of [centuries, noIat]) {
      expectRefused(await stack.gql(ME, {}, token));
      expectRefused(await second.gql(ME, {}, token));
    }
  });

  it("refuses a well-signed token of a user that does not exist, and createPost writes nothing", async () => {
    // A well-formed id in a real bucket: the check reaches a shard and finds no such user.
    const ghost = newId(0);
    const token = await signAccessToken(stack.env.JWT_SECRET!, ghost, 600);
    expectRefused(await stack.gql(CREATE_POST, { body: "a post with no author" }, token));
    expectRefused(await stack.gql(ME, {}, token));
    // Straight to the posts subgraph: the ghost has no posts.
    const posts = await postToSubgraph<{ _entities: Array<{ posts: { edges: unknown[] } }> }>(
      stack,
      { name: "posts", port: stack.posts.port },
      { viewerId: null },
      {
        query: "query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { posts { edges { cursor } } } } }",
        variables: { r: [{ __typename: "User", id: ghost }] },
      },
    );
    expect(posts.errors).toBeUndefined();
    expect(posts.data?._entities[0]?.posts.edges).toEqual([]);
  });

  it("closes a signed-out token's graphql-ws connection with 4403", async () => {
    const { token } = await signUp();
    const socket = new WebSocket(stack.routerUrl.replace(/^http/, "ws"), "graphql-transport-ws");
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.once("open", () =>
        socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })),
      );
      socket.on("message", (data) => {
        if ((JSON.parse(String(data)) as { type: string }).type === "connection_ack") resolve();
      });
    });
    expect((await stack.gql(SIGN_OUT, {}, token)).data).toEqual({ signOut: true });
    expect(await closed).toBe(4403);
  });
});
