import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INTERNAL_AUTH_HEADER, signAccessToken, signInternalIdentity } from "@plaza/kit";
import { createKafkaTestClient, waitFor } from "@plaza/testkit";
import { newSignUp, postGraphQL, postToSubgraph, postToSubgraphBothWays, startTestStack, type TestStack } from "./test-stack.ts";
import { observeTopic } from "./kafka-events.ts";

const SIGN_UP = "mutation ($input: SignUpInput!) { signUp(input: $input) { token expiresAt user { id handle displayName } } }";
const SIGN_IN =
  "mutation ($email: String!, $password: String!) { signIn(email: $email, password: $password) { token user { id } } }";
const ME = "{ me { id handle followerCount followingCount } }";

describe("users through the router (real Postgres shards and Kafka)", () => {
  let stack: TestStack;
  let observer: Awaited<ReturnType<typeof observeTopic>>;

  beforeAll(async () => {
    stack = await startTestStack();
    observer = await observeTopic(createKafkaTestClient(), "plaza.users.v1");
  });
  afterAll(async () => {
    await observer?.stop();
    await stack?.stop();
  });

  async function signUp(input = newSignUp()) {
    const result = await stack.gql<{ signUp: { token: string; user: { id: string; handle: string } } }>(SIGN_UP, { input });
    expect(result.errors).toBeUndefined();
    return { ...result.data!.signUp, input };
  }

  it("signs up, signs in and answers me; UserRegistered reaches Kafka once", async () => {
    const { token, user, input } = await signUp();
    expect((await stack.gql(ME, {}, token)).data).toEqual({
      me: { id: user.id, handle: input.handle, followerCount: 0, followingCount: 0 },
    });
    const signIn = await stack.gql<{ signIn: { token: string; user: { id: string } } }>(SIGN_IN, {
      email: input.email.toUpperCase(),
      password: input.password,
    });
    expect(signIn.data?.signIn.user.id).toBe(user.id);
    expect((await stack.gql(ME, {}, signIn.data!.signIn.token)).data).toMatchObject({ me: { id: user.id } });
    await waitFor(() => observer.of("UserRegistered", user.id).length === 1, {
      timeoutMs: 30_000,
      description: "UserRegistered on Kafka",
    });
  });

  it("answers null for me when anonymous and for unknown or malformed user ids", async () => {
    const result = await stack.gql(
      '{ me { id } user(id: "01ZZZZZZZZZZZZZZZZZZZZZZZZ") { id } other: user(id: "nope") { id } userByHandle(handle: "no_such_handle") { id } }',
    );
    expect(result).toMatchObject({ status: 200, data: { me: null, user: null, other: null, userByHandle: null } });
  });

  it("rejects duplicate emails and handles with CONFLICT and creates nothing", async () => {
    const { input, user } = await signUp();
    const sameEmail = await stack.gql(SIGN_UP, { input: { ...newSignUp(), email: input.email } });
    expect(sameEmail.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "email" });
    const sameHandle = await stack.gql(SIGN_UP, { input: { ...newSignUp(), handle: input.handle } });
    expect(sameHandle.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "handle" });
    const byHandle = await stack.gql<{ userByHandle: { id: string } }>(
      "query ($h: String!) { userByHandle(handle: $h) { id } }",
      { h: input.handle },
    );
    expect(byHandle.data?.userByHandle.id).toBe(user.id);
  });

  it("lets one of two concurrent sign-ups racing for a handle win", async () => {
    const handle = newSignUp("race").handle;
    const results = await Promise.all([0, 1, 2, 3].map(() => stack.gql(SIGN_UP, { input: { ...newSignUp(), handle } })));
    const codes = results.map((r) => r.errors?.[0]?.extensions?.code ?? "OK").sort();
    expect(codes).toEqual(["CONFLICT", "CONFLICT", "CONFLICT", "OK"]);
  });

  it.each([
    ["email", { email: "not-an-email" }],
    ["password", { password: "weak" }],
    ["handle", { handle: "Bad Handle!" }],
    ["displayName", { displayName: "" }],
  ])("rejects an invalid %s with BAD_USER_INPUT naming the field", async (field, patch) => {
    const result = await stack.gql(SIGN_UP, { input: { ...newSignUp(), ...patch } });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(result.data).toBeNull();
  });

  describe("text the users subgraph refuses", () => {
    const UPDATE_PROFILE = "mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { id displayName bio } }";
    const PROFILE = "query ($id: ID!) { user(id: $id) { displayName bio } }";
    const refused = (field: string) => [
      {
        message: `${field} must not contain control characters or unpaired surrogates`,
        extensions: { field, code: "BAD_USER_INPUT" },
      },
    ];

    it("refuses a NUL in signUp's displayName alike through the router, the lane and yoga's path, and signs no one up", async () => {
      const input = { ...newSignUp("nul"), displayName: "Ada\u0000" };
      const viaRouter = await stack.gql(SIGN_UP, { input });
      expect(viaRouter.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.displayName" });
      expect(viaRouter.data ?? null).toBeNull();
      const { lane, yoga } = await postToSubgraphBothWays(
        stack,
        { name: "users", port: stack.users.port },
        { query: SIGN_UP, variables: { input } },
      );
      expect(lane).toEqual({ status: 200, errors: refused("input.displayName") });
      expect(yoga).toEqual(lane);
      const literal = await postToSubgraphBothWays(
        stack,
        { name: "users", port: stack.users.port },
        {
          query: `mutation { signUp(input: { email: "${input.email}", password: "${input.password}", handle: "${input.handle}", displayName: "Ada\\u0000" }) { token } }`,
        },
      );
      expect(literal.lane).toEqual({ status: 200, errors: refused("input.displayName") });
      expect(literal.yoga).toEqual(literal.lane);
      const byHandle = await stack.gql("query ($h: String!) { userByHandle(handle: $h) { id } }", { h: input.handle });
      expect(byHandle.data).toEqual({ userByHandle: null });
    });

    it("refuses a NUL in updateProfile's bio alike on every path and keeps the profile", async () => {
      const { token, user } = await signUp();
      const before = (await stack.gql(PROFILE, { id: user.id })).data;
      const viaRouter = await stack.gql(UPDATE_PROFILE, { input: { bio: "hello\u0000world" } }, token);
      expect(viaRouter.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.bio" });
      const { lane, yoga } = await postToSubgraphBothWays(
        stack,
        { name: "users", port: stack.users.port },
        { query: UPDATE_PROFILE, variables: { input: { bio: "hello\u0000world" } } },
        user.id,
      );
      expect(lane).toEqual({ status: 200, errors: refused("input.bio") });
      expect(yoga).toEqual(lane);
      expect((await stack.gql(PROFILE, { id: user.id })).data).toEqual(before);
    });

    it.each([
      ["a zero-width space", "Ad\u200Ba"],
      ["a right-to-left override", "\u202Enimda"],
      ["an isolate", "\u2066Ada\u2069"],
      ["a byte order mark", "\uFEFFAda"],
      ["a tab", "Ada\tLovelace"],
      ["a line feed", "Ada\nLovelace"],
      ["only a Hangul filler", "\u3164"],
      ["only spaces", " \u3000 "],
    ])("refuses %s in a display name, at sign-up and in updateProfile", async (_, displayName) => {
      const signUpResult = await stack.gql(SIGN_UP, { input: { ...newSignUp(), displayName } });
      expect(signUpResult.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "displayName" });
      const { token } = await signUp();
      const update = await stack.gql(UPDATE_PROFILE, { input: { displayName } }, token);
      expect(update.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "displayName" });
    });

    it("stores display names in NFC and accepts emoji sequences; bios keep their lines but refuse bidi controls", async () => {
      const { token } = await signUp({ ...newSignUp(), displayName: "Zoe\u0308 👩🏽‍💻" });
      const me = await stack.gql<{ me: { displayName: string } }>("{ me { displayName } }", {}, token);
      expect(me.data?.me.displayName).toBe("Zo\u00EB 👩🏽‍💻");
      const bio = "line one\nline two";
      expect((await stack.gql(UPDATE_PROFILE, { input: { bio } }, token)).data).toMatchObject({ updateProfile: { bio } });
      const spoof = await stack.gql(UPDATE_PROFILE, { input: { bio: "see \u202Egpj.exe" } }, token);
      expect(spoof.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "bio" });
    });
  });

  it("gives the same UNAUTHENTICATED answer for a wrong password and an unknown email", async () => {
    const { input } = await signUp();
    const wrongPassword = await stack.gql(SIGN_IN, { email: input.email, password: "wrong-password-1" });
    const unknownEmail = await stack.gql(SIGN_IN, { email: `nobody-${input.email}`, password: input.password });
    expect(wrongPassword.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(unknownEmail.errors).toEqual(wrongPassword.errors);
  });

  it("rejects expired, forged, alg:none and garbage tokens with UNAUTHENTICATED", async () => {
    const { user } = await signUp();
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: user.id, iss: "plaza", aud: "plaza", iat: now, exp: now + 600 };
    const forged = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}`;
    const tokens = {
      expired: await signAccessToken(stack.env.JWT_SECRET!, user.id, -120),
      forged: `${forged}.${createHmac("sha256", "not-the-secret-not-the-secret-00").update(forged).digest("base64url")}`,
      algNone: `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`,
      garbage: "garbage",
    };
    for (const [kind, token] of Object.entries(tokens)) {
      const result = await stack.gql(ME, {}, token);
      expect(result.errors?.[0]?.extensions?.code, kind).toBe("UNAUTHENTICATED");
      expect(result.data ?? null, kind).toBeNull();
    }
  });

  it("follows and unfollows: no self-follow, no duplicate edge, one event per change", async () => {
    const a = await signUp();
    const b = await signUp();
    const FOLLOW = "mutation ($id: ID!) { follow(userId: $id) { id followerCount } }";
    const self = await stack.gql(FOLLOW, { id: a.user.id }, a.token);
    expect(self.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "userId" });
    expect((await stack.gql(FOLLOW, { id: b.user.id }, a.token)).data).toEqual({ follow: { id: b.user.id, followerCount: 1 } });
    expect((await stack.gql(FOLLOW, { id: b.user.id }, a.token)).data).toEqual({ follow: { id: b.user.id, followerCount: 1 } });
    const unknown = await stack.gql(FOLLOW, { id: "01ZZZZZZZZZZZZZZZZZZZZZZZZ" }, a.token);
    expect(unknown.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const anonymous = await stack.gql(FOLLOW, { id: b.user.id });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

    const lists = await stack.gql<{ user: { followers: { edges: Array<{ node: { id: string } }> } } }>(
      "query ($id: ID!) { user(id: $id) { followers(first: 10) { edges { node { id } } pageInfo { hasNextPage } } } }",
      { id: b.user.id },
    );
    expect(lists.data?.user.followers.edges.map((e) => e.node.id)).toEqual([a.user.id]);

    // A later event with the same key (same partition) proves the earlier ones have all been delivered.
    await stack.gql('mutation { updateProfile(input: { bio: "marker" }) { id } }', {}, a.token);
    await waitFor(() => observer.of("ProfileUpdated", a.user.id).length === 1, {
      timeoutMs: 30_000,
      description: "marker event",
    });
    expect(observer.of("Followed", a.user.id)).toHaveLength(1);

    await stack.gql("mutation ($id: ID!) { unfollow(userId: $id) { id } }", { id: b.user.id }, a.token);
    await stack.gql("mutation ($id: ID!) { unfollow(userId: $id) { id } }", { id: b.user.id }, a.token);
    await stack.gql('mutation { updateProfile(input: { bio: "marker 2" }) { id } }', {}, a.token);
    await waitFor(() => observer.of("ProfileUpdated", a.user.id).length === 2, {
      timeoutMs: 30_000,
      description: "second marker",
    });
    expect(observer.of("Unfollowed", a.user.id)).toHaveLength(1);
    expect((await stack.gql(ME, {}, b.token)).data).toMatchObject({ me: { followerCount: 0 } });
  });

  it("answers malformed GraphQL and malformed JSON with GraphQL errors and keeps serving", async () => {
    const syntax = await stack.gql("{ me { id ");
    expect(syntax.errors?.[0]?.message).toMatch(/Syntax Error/);
    const json = await postGraphQL(stack.routerUrl, "{ not json");
    expect(json.errors?.length).toBeGreaterThan(0);
    const wrongType = await stack.gql("query ($id: ID!) { user(id: $id) { id } }", { id: { nested: true } });
    expect(wrongType.errors?.length).toBeGreaterThan(0);
    expect((await stack.gql("{ me { id } }")).data).toEqual({ me: null });
  });

  it("rejects a request to the subgraph that lacks the router's signature", async () => {
    const direct = await postGraphQL(`http://127.0.0.1:${stack.users.port}/graphql`, { query: "{ me { id } }" });
    expect(direct.status).toBe(401);
    expect(direct.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const forged = await postGraphQL(
      `http://127.0.0.1:${stack.users.port}/graphql`,
      { query: "{ me { id } }" },
      { "x-plaza-internal-auth": "v1.1.e30.AAAA" },
    );
    expect(forged.status).toBe(401);
  });

  it("accepts the router's signature only on the subgraph and for the body it was made for", async () => {
    const { user } = (await stack.gql<{ signUp: { user: { id: string } } }>(SIGN_UP, { input: newSignUp("bound") })).data!.signUp;
    const body = JSON.stringify({ query: "{ me { id } }" });
    const header = signInternalIdentity(stack.env.INTERNAL_AUTH_KEY!, { viewerId: user.id }, { subgraph: "users", body });
    const to = (port: number, text = body) =>
      postGraphQL(`http://127.0.0.1:${port}/graphql`, text, { [INTERNAL_AUTH_HEADER]: header });

    expect((await to(stack.users.port)).data).toEqual({ me: { id: user.id } });
    // Replayed to another subgraph, or with another operation: refused before anything runs.
    for (const port of [stack.posts.port, stack.counters.port]) {
      const replayed = await to(port);
      expect(replayed.status).toBe(401);
      expect(replayed.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    const altered = await to(stack.users.port, JSON.stringify({ query: '{ user(id: "x") { id } }' }));
    expect(altered.status).toBe(401);
    // postToSubgraph signs the way the router does.
    expect(
      (await postToSubgraph(stack, { name: "users", port: stack.users.port }, { viewerId: user.id }, { query: "{ me { id } }" }))
        .data,
    ).toEqual({
      me: { id: user.id },
    });
  });
});
