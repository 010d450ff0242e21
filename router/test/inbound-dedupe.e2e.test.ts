import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { conflict, createLogger, signAccessToken, type BaseContext } from "@plaza/kit";
import {
  composeTestSupergraph,
  startTestRouter,
  startTestSubgraph,
  type TestRouter,
  type TestSubgraph,
} from "./test-subgraph.ts";

// Inbound in-flight deduplication: identical queries in flight at once share one execution and the same bytes,
// never across credentials, never for mutations; a failed execution fails every joined request alike.

const JWT_SECRET = "inbound-dedupe-jwt-secret-0123456789abcdefg";
const INTERNAL_AUTH_KEY = "inbound-dedupe-internal-key-0123456789ab";
const logger = createLogger({ service: "inbound-dedupe-e2e", level: "silent" });

const sdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query {
    "Waits for the test's gate; counts its executions by tag."
    slow(tag: String!): String!
    whoami(tag: String!): String
    failing(tag: String!): String
  }
  type Mutation {
    bump(tag: String!): Int!
  }
`;

const calls = new Map<string, number>();
const count = (tag: string) => calls.set(tag, (calls.get(tag) ?? 0) + 1);
let gate: { open: Promise<void>; release(): void };
const newGate = () => {
  let release!: () => void;
  const open = new Promise<void>((resolve) => (release = resolve));
  gate = { open, release };
};

let subgraph: TestSubgraph;
let deduped: TestRouter;
let plain: TestRouter;
let alice: string;
let bob: string;

beforeAll(async () => {
  subgraph = await startTestSubgraph({
    service: "slow",
    sdl,
    internalAuthKey: INTERNAL_AUTH_KEY,
    logger,
    resolvers: {
      Query: {
        slow: async (_: unknown, { tag }: { tag: string }) => {
          count(tag);
          await gate.open;
          return `answer ${tag} #${calls.get(tag)}`;
        },
        whoami: async (_: unknown, { tag }: { tag: string }, ctx: BaseContext) => {
          count(tag);
          await gate.open;
          return ctx.viewerId;
        },
        failing: async (_: unknown, { tag }: { tag: string }) => {
          count(tag);
          await gate.open;
          throw conflict("Taken", { field: "tag" });
        },
      },
      Mutation: {
        bump: async (_: unknown, { tag }: { tag: string }) => {
          const n = count(tag).get(tag)!;
          await gate.open;
          return n;
        },
      },
    },
  });
  const supergraphSdl = composeTestSupergraph([{ name: "slow", url: subgraph.url, sdl }]);
  const common = { supergraphSdl, jwtSecret: JWT_SECRET, internalAuthKey: INTERNAL_AUTH_KEY, logger };
  [deduped, plain] = await Promise.all([
    startTestRouter({ ...common, subgraphFetchDedupe: { enabled: false } }),
    startTestRouter({ ...common, subgraphFetchDedupe: { enabled: false }, inboundDedupe: false }),
  ]);
  [alice, bob] = await Promise.all([signAccessToken(JWT_SECRET, "alice", 600), signAccessToken(JWT_SECRET, "bob", 600)]);
});

afterAll(async () => {
  gate?.release();
  await Promise.all([deduped?.router.close(), plain?.router.close()]);
  await subgraph?.server.close();
});

beforeEach(() => newGate());

interface Sent {
  status: number;
  body: string;
  requestId: string | null;
  contentType: string | null;
}

function send(url: string, query: string, options: { token?: string; requestId?: string; signal?: AbortSignal } = {}) {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(options.token && { authorization: `Bearer ${options.token}` }),
      ...(options.requestId && { "x-request-id": options.requestId }),
    },
    body: JSON.stringify({ query }),
    signal: options.signal,
  }).then(async (response): Promise<Sent> => ({
    status: response.status,
    body: await response.text(),
    requestId: response.headers.get("x-request-id"),
    contentType: response.headers.get("content-type"),
  }));
}

/** Waits until the subgraph has started `n` executions of `tag`, then lets every request reach the router. */
async function executionsStarted(tag: string, n = 1) {
  const deadline = Date.now() + 10_000;
  while ((calls.get(tag) ?? 0) < n) {
    if (Date.now() > deadline) throw new Error(`${tag}: ${calls.get(tag) ?? 0} executions started, waited for ${n}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  // The concurrent requests were sent before; give the router a moment to read them all (they join the flight).
  await new Promise((r) => setTimeout(r, 300));
}

const inboundJoins = async (router: TestRouter) =>
  (await router.metrics.inflightDedupes.get()).values.find((v) => v.labels.kind === "inbound")?.value ?? 0;

/** One request alone, so the router has seen the text as a query (the first request of a text never joins). */
async function teach(router: TestRouter, query: string, token?: string) {
  gate.release();
  await send(router.url, query, { token });
  newGate();
}

describe("inbound in-flight deduplication", () => {
  it("identical concurrent queries share one execution; each client gets the same bytes as a request served alone, with its own request id", async () => {
    const query = `{ slow(tag: "joined") }`;
    await teach(deduped, query, alice);
    const before = await inboundJoins(deduped);
    const beforeCalls = calls.get("joined")!;
    const responses = Array.from({ length: 8 }, (_, i) => send(deduped.url, query, { token: alice, requestId: `req-${i}` }));
    await executionsStarted("joined", beforeCalls + 1);
    gate.release();
    const sent = await Promise.all(responses);
    expect(calls.get("joined")).toBe(beforeCalls + 1);
    expect(await inboundJoins(deduped)).toBe(before + 7);
    expect(new Set(sent.map((r) => r.body)).size).toBe(1);
    expect(sent.map((r) => r.requestId)).toEqual(sent.map((_, i) => `req-${i}`));
    // Byte for byte what the router without deduplication answers for the same execution count.
    newGate();
    gate.release();
    calls.set("joined", beforeCalls);
    const alone = await send(plain.url, query, { token: alice });
    expect({ ...sent[0], requestId: null }).toEqual({ ...alone, requestId: null });
  });

  it("never joins requests of different viewers or anonymous ones with signed-in ones", async () => {
    const query = `{ whoami(tag: "viewers") }`;
    await teach(deduped, query, alice);
    await teach(deduped, query, bob);
    await teach(deduped, query);
    const beforeCalls = calls.get("viewers")!;
    const requests = [alice, bob, undefined].flatMap((token) => [0, 1, 2].map(() => send(deduped.url, query, { token })));
    await executionsStarted("viewers", beforeCalls + 3);
    gate.release();
    const bodies = (await Promise.all(requests)).map((r) => JSON.parse(r.body) as { data: { whoami: string | null } });
    expect(calls.get("viewers")).toBe(beforeCalls + 3);
    expect(bodies.map((b) => b.data.whoami)).toEqual(["alice", "alice", "alice", "bob", "bob", "bob", null, null, null]);
  });

  it("never joins mutations, whether their text is new or known", async () => {
    const mutation = `mutation { bump(tag: "mutations") }`;
    const fresh = [0, 1, 2].map(() => send(deduped.url, mutation, { token: alice }));
    await executionsStarted("mutations", 3);
    gate.release();
    await Promise.all(fresh);
    newGate();
    const beforeCalls = calls.get("mutations")!;
    expect(beforeCalls).toBe(3);
    const requests = [0, 1, 2].map(() => send(deduped.url, mutation, { token: alice }));
    await executionsStarted("mutations", beforeCalls + 3);
    gate.release();
    const values = (await Promise.all(requests)).map((r) => (JSON.parse(r.body) as { data: { bump: number } }).data.bump);
    expect(calls.get("mutations")).toBe(beforeCalls + 3);
    expect(new Set(values).size).toBe(3);
  });

  it("a failed execution fails every joined request with the same coded answer", async () => {
    const query = `{ failing(tag: "errors") }`;
    await teach(deduped, query);
    // What one execution costs the subgraph (its compiled run of a query that errs runs again on graphql-js).
    const perExecution = calls.get("errors")!;
    const requests = [0, 1, 2, 3].map(() => send(deduped.url, query));
    await executionsStarted("errors", perExecution + 1);
    gate.release();
    const sent = await Promise.all(requests);
    expect(calls.get("errors")).toBe(2 * perExecution);
    expect(new Set(sent.map((r) => r.body)).size).toBe(1);
    const body = JSON.parse(sent[0]!.body) as { data: unknown; errors: Array<{ extensions: { code: string } }> };
    expect(body.data).toEqual({ failing: null });
    expect(body.errors[0]!.extensions.code).toBe("CONFLICT");
  });

  it("with the switch off nothing is joined", async () => {
    const query = `{ slow(tag: "switched-off") }`;
    await teach(plain, query);
    const beforeCalls = calls.get("switched-off")!;
    const requests = [0, 1, 2].map(() => send(plain.url, query));
    await executionsStarted("switched-off", beforeCalls + 3);
    gate.release();
    await Promise.all(requests);
    expect(calls.get("switched-off")).toBe(beforeCalls + 3);
    expect(await inboundJoins(plain)).toBe(0);
  });

  it("when the first client leaves, the joined requests still get a correct answer", async () => {
    const query = `{ slow(tag: "leaver") }`;
    await teach(deduped, query);
    const beforeCalls = calls.get("leaver")!;
    const leaving = new AbortController();
    const leader = send(deduped.url, query, { signal: leaving.signal }).catch(() => undefined);
    await executionsStarted("leaver", beforeCalls + 1);
    const joiners = [0, 1].map(() => send(deduped.url, query));
    await new Promise((r) => setTimeout(r, 300));
    leaving.abort();
    await leader;
    gate.release();
    for (const joined of await Promise.all(joiners)) {
      expect(joined.status).toBe(200);
      expect((JSON.parse(joined.body) as { data: { slow: string } }).data.slow).toMatch(/^answer leaver #\d+$/);
    }
  });
});
