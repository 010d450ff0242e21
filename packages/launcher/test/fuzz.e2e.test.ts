import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GraphQLSchema } from "graphql";
import { heapAfterGc, hostileRequests, type HostileRequest } from "@plaza/testkit";
import { newSignUp, startTestStack, type TestStack } from "./test-stack.ts";

/**
 * Fuzzing the whole supergraph (router and every subgraph, real Postgres, Redis and Kafka) with a seeded corpus of
 * random and adversarial requests: no 5xx but a deliberate 503, every answer within a bound, the processes alive,
 * and memory back where it was. PLAZA_FUZZ_SCALE multiplies the corpus, PLAZA_FUZZ_SEED changes it (README:
 * security).
 */
const SCALE = Number(process.env.PLAZA_FUZZ_SCALE ?? 1);
const SEED = Number(process.env.PLAZA_FUZZ_SEED ?? 20261202);
/** Generous for a loaded 2-core machine: what is measured is that nothing hangs or runs away. */
const RESPONSE_BOUND_MS = 15_000;

interface Outcome {
  request: HostileRequest;
  status: number;
  ms: number;
  body: string;
}

async function send(base: string, request: HostileRequest): Promise<Outcome> {
  const started = performance.now();
  try {
    const res = await fetch(`${base}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.method === "POST" ? (request.body as BodyInit | undefined) : undefined,
      signal: AbortSignal.timeout(RESPONSE_BOUND_MS),
    });
    const body = await res.text();
    return { request, status: res.status, ms: performance.now() - started, body };
  } catch (err) {
    // A connection cut by the server (e.g. after refusing a body it would not read) is an answer, not a failure;
    // a timeout is a failure.
    const timedOut = err instanceof Error && err.name === "TimeoutError";
    return { request, status: timedOut ? 599 : 0, ms: performance.now() - started, body: String(err) };
  }
}

async function sendAll(base: string, requests: HostileRequest[], concurrency = 8): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) outcomes.push(await send(base, requests[next++]!));
    }),
  );
  return outcomes;
}

const failures = (outcomes: Outcome[]) =>
  outcomes
    .filter((o) => (o.status >= 500 && o.status !== 503) || o.ms > RESPONSE_BOUND_MS)
    .map((o) => ({
      kind: o.request.kind,
      status: o.status,
      ms: Math.round(o.ms),
      body: o.body.slice(0, 300),
      sent: String(o.request.body ?? o.request.path).slice(0, 300),
    }));

// Signing the corpus's own token out would turn the rest of the run into 401s (sessions.e2e tests sign-outs).
const SIGN_OUTS: ReadonlySet<string> = new Set(["signOut", "signOutEverywhere"]);

let stack: TestStack;
let schema: GraphQLSchema;
let token: string;

beforeAll(async () => {
  stack = await startTestStack();
  schema = stack.router.yoga.getEnveloped({}).schema;
  const signUp = await stack.gql<{ signUp: { token: string } }>(
    "mutation ($input: SignUpInput!) { signUp(input: $input) { token } }",
    { input: newSignUp("fuzz") },
  );
  token = signUp.data!.signUp.token;
});

afterAll(async () => {
  await stack?.stop();
});

describe("fuzzing the supergraph", () => {
  it(
    "answers every hostile request to the router with a non-5xx answer in time, and stays healthy",
    { timeout: 900_000 },
    async () => {
      const base = stack.routerUrl.replace(/\/graphql$/, "");
      // Only verdicts are kept: the corpus and the answers must be garbage by the time memory is measured.
      const pass = async (seed: number) => {
        const outcomes = await sendAll(
          base,
          hostileRequests({ schema, seed, count: 600 * SCALE, token, skipRootFields: SIGN_OUTS }),
        );
        return { failed: failures(outcomes), kinds: new Set(outcomes.map((o) => o.request.kind)).size };
      };
      const first = await pass(SEED);
      expect(first.failed).toEqual([]);
      expect(first.kinds).toBeGreaterThan(10);
      // Everything a client can make the stack keep is bounded: the caches fill during the first passes (about
      // 140 MB for the router and three subgraphs here), then further corpora leave the heap where it is.
      const heaps = [heapAfterGc()];
      for (let i = 2; i < 7; i++) {
        const next = await pass(SEED + i);
        expect(next.failed).toEqual([]);
        heaps.push(heapAfterGc());
      }
      const lastGrowth = heaps.at(-1)! - heaps.at(-3)!;
      expect(lastGrowth, `heap after each pass (MB): ${heaps.map((h) => Math.round(h / 1e6)).join(", ")}`).toBeLessThan(
        24 * 1024 * 1024,
      );
      // Still serving, for anonymous and signed-in callers.
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await stack.gql("{ __typename }")).data).toEqual({ __typename: "Query" });
      expect((await stack.gql<{ me: { id: string } }>("{ me { id } }", {}, token)).data?.me.id).toBeTruthy();
    },
  );

  it(
    "answers every hostile request sent straight to a subgraph, unsigned, with 401 or 404 and nothing else",
    { timeout: 300_000 },
    async () => {
      for (const port of [stack.users.port, stack.posts.port, stack.counters.port]) {
        const base = `http://127.0.0.1:${port}`;
        const outcomes = await sendAll(
          base,
          hostileRequests({ schema, seed: SEED + port, count: 100 * SCALE, token, skipRootFields: SIGN_OUTS }),
        );
        expect(failures(outcomes)).toEqual([]);
        const unexpected = outcomes.filter((o) => o.status !== 0 && ![401, 404, 405, 413, 400].includes(o.status));
        expect(
          unexpected.map((o) => ({ kind: o.request.kind, path: o.request.path, status: o.status, body: o.body.slice(0, 200) })),
        ).toEqual([]);
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
      }
    },
  );
});
