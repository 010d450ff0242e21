import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conflict, createHealth, createLogger, signAccessToken, type BaseContext } from "@plaza/kit";
import { buildRouter, type Router } from "../src/app.ts";
import { createRouterMetrics, type RouterMetrics } from "../src/metrics.ts";
import { composeSupergraph } from "../src/schema/compose.ts";
import { startTestSubgraph, type TestSubgraph } from "./test-subgraph.ts";

// Two routers over the same subgraphs, one answering single-fetch operations directly, one always through the
// gateway's plan execution: every response must be the same, and each mutation must run exactly once.

const JWT_SECRET = "single-fetch-jwt-secret-0123456789abcdefgh";
const INTERNAL_AUTH_KEY = "single-fetch-internal-key-0123456789abcd";
const logger = createLogger({ service: "single-fetch-e2e", level: "silent" });

const accountsSdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@inaccessible"])
  type User @key(fields: "id") {
    id: ID!
    name: String!
  }
  "SECRET is not in the API schema: the gateway answers null (with an error) where a subgraph returns it."
  enum Mood {
    HAPPY
    SECRET @inaccessible
  }
  type Cat {
    name: String!
  }
  type Dog {
    name: String!
  }
  union Pet = Cat | Dog
  type Query {
    mood(secret: Boolean!): Mood
    moods: [Mood!]
    pet: Pet
    hello: String!
    echo(n: Int!): Int!
    me: User
    boom: String
    taken: String
  }
  type Mutation {
    rename(name: String!): User!
    renameTaken: User
  }
`;

const notesSdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type User @key(fields: "id") {
    id: ID!
    notes: [String!]!
  }
`;

const mutationsRun: string[] = [];

const startSubgraph = (service: string, sdl: string, resolvers: Record<string, unknown>) =>
  startTestSubgraph({ service, sdl, resolvers, internalAuthKey: INTERNAL_AUTH_KEY, logger });

let accounts: TestSubgraph;
let notes: TestSubgraph;
let direct: { router: Router; metrics: RouterMetrics; url: string };
let planned: { router: Router; metrics: RouterMetrics; url: string };
let token: string;

beforeAll(async () => {
  accounts = await startSubgraph("accounts", accountsSdl, {
    Pet: { __resolveType: () => "Cat" },
    Query: {
      mood: (_: unknown, args: { secret: boolean }) => (args.secret ? "SECRET" : "HAPPY"),
      moods: () => ["HAPPY", "SECRET"],
      pet: () => ({ name: "Tom" }),
      hello: () => "world",
      echo: (_: unknown, args: { n: number }) => args.n,
      me: (_: unknown, __: unknown, ctx: BaseContext) => (ctx.viewerId ? { id: ctx.viewerId, name: "Ada" } : null),
      boom: () => {
        throw new Error("db-7.internal refused the password hunter2");
      },
      taken: () => {
        throw conflict("Handle already taken", { field: "handle" });
      },
    },
    Mutation: {
      rename: (_: unknown, args: { name: string }) => {
        mutationsRun.push(`rename:${args.name}`);
        return { id: "u1", name: args.name };
      },
      renameTaken: () => {
        mutationsRun.push("renameTaken");
        throw conflict("Name already taken", { field: "name" });
      },
    },
  });
  notes = await startSubgraph("notes", notesSdl, {
    User: { __resolveReference: (ref: { id: string }) => ref, notes: (user: { id: string }) => [`note of ${user.id}`] },
  });
  const composed = composeSupergraph([
    { name: "accounts", url: accounts.url, sdl: accountsSdl },
    { name: "notes", url: notes.url, sdl: notesSdl },
  ]);
  if (!composed.ok) throw new Error(`composition failed: ${JSON.stringify(composed.errors)}`);
  const start = async (singleFetchDirect: boolean) => {
    const metrics = createRouterMetrics({ defaultMetrics: false });
    const router = await buildRouter({
      supergraphSdl: composed.supergraphSdl,
      jwtSecret: JWT_SECRET,
      internalAuthKey: INTERNAL_AUTH_KEY,
      logger,
      metrics,
      health: createHealth(),
      singleFetchDirect,
    });
    return { router, metrics, url: `http://127.0.0.1:${await router.listen(0)}/graphql` };
  };
  [direct, planned] = await Promise.all([start(true), start(false)]);
  token = await signAccessToken(JWT_SECRET, "u1", 600);
});

afterAll(async () => {
  await Promise.all([direct?.router.close(), planned?.router.close()]);
  await Promise.all([accounts?.server.close(), notes?.server.close()]);
});

async function post(url: string, body: unknown, auth = false) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(auth && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  // The text, not parsed: key order is part of the response (fields come in the order they were asked for).
  return { status: response.status, body: await response.text() };
}

const directCount = async () => (await direct.metrics.singleFetchDirect.get()).values[0]?.value ?? 0;

interface Case {
  name: string;
  body: { query: string; variables?: Record<string, unknown>; operationName?: string };
  auth?: boolean;
  /** Answered with the subgraph's data, without the gateway's result shaping. */
  direct: boolean;
}

const CASES: Case[] = [
  { name: "a root field", body: { query: "{ hello }" }, direct: true },
  { name: "an alias", body: { query: "{ greeting: hello }" }, direct: true },
  { name: "variables", body: { query: "query E($n: Int!) { echo(n: $n) }", variables: { n: 7 } }, direct: true },
  { name: "the viewer's entity", body: { query: "{ me { id name } }" }, auth: true, direct: true },
  {
    name: "__typename after other fields (the planner moves it first)",
    body: { query: "{ me { id __typename name } hello }" },
    auth: true,
    direct: true,
  },
  {
    name: "root __typename, aliased too (the planner answers it without fetching)",
    body: { query: "{ __typename hello kind: __typename }" },
    direct: true,
  },
  {
    name: "a mutation with the response cache's metadata fields",
    body: { query: 'mutation { rename(name: "Lin") { id name __rc: __typename } __rcRoot: __typename }' },
    direct: true,
  },
  { name: "an enum value the API schema has", body: { query: "{ mood(secret: false) }" }, direct: true },
  { name: "an @inaccessible enum value (null and an error)", body: { query: "{ mood(secret: true) hello }" }, direct: false },
  { name: "an @inaccessible enum value in a list", body: { query: "{ moods }" }, direct: false },
  {
    name: "root __typename beside fragments on a union (nothing dropped)",
    body: { query: "{ __typename pet { __typename ... on Cat { x: __typename name } } }" },
    direct: false,
  },
  {
    name: "@skip on a field",
    body: { query: "query ($s: Boolean!) { hello echo(n: 1) @skip(if: $s) }", variables: { s: true } },
    direct: false,
  },
  { name: "a field from a second subgraph", body: { query: "{ me { id name notes } }" }, auth: true, direct: false },
  { name: "a fragment", body: { query: "{ ...F } fragment F on Query { hello }" }, direct: false },
  { name: "an operationName matching no operation", body: { query: "query A { hello }", operationName: "Z" }, direct: false },
  { name: "an invalid variable", body: { query: "query E($n: Int!) { echo(n: $n) }", variables: { n: "x" } }, direct: false },
  { name: "an unexpected subgraph error (masked)", body: { query: "{ boom }" }, direct: false },
  { name: "a coded subgraph error", body: { query: "{ hello taken }" }, direct: false },
  { name: "a mutation", body: { query: 'mutation { rename(name: "Grace") { id name } }' }, direct: true },
  { name: "a failing mutation", body: { query: "mutation { renameTaken { id } }" }, direct: false },
];

describe("single-fetch operations answered directly", () => {
  it.each(CASES)("answer $name exactly as the gateway does", async (c) => {
    const before = await directCount();
    const runs = mutationsRun.length;
    const viaDirect = await post(direct.url, c.body, c.auth);
    const viaPlan = await post(planned.url, c.body, c.auth);
    expect(viaDirect).toEqual(viaPlan);
    expect((await directCount()) - before).toBe(c.direct ? 1 : 0);
    // One run per router: a mutation whose response carried errors was not sent again.
    if (c.body.query.startsWith("mutation")) expect(mutationsRun.length - runs).toBe(2);
  });

  it("answers a subgraph that cannot be reached as the gateway does", async () => {
    await accounts.server.close();
    const viaDirect = await post(direct.url, { query: "{ hello }" });
    const viaPlan = await post(planned.url, { query: "{ hello }" });
    expect(viaDirect).toEqual(viaPlan);
    expect(JSON.parse(viaDirect.body)).toMatchObject({ errors: [{ extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
  });
});
