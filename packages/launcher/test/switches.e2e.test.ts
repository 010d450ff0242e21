import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresPool } from "@plaza/sharding";
import { testInfra, waitFor } from "@plaza/testkit";
import { startPgWireTap, type PgWireTap } from "./pg-wire-tap.ts";
import { newSignUp, prepareStackEnv, type StackEnv } from "./test-stack.ts";

// Every documented switch, off and on, in each way Plaza starts: one process (`npm start`: the launcher's main.ts as
// a child process) and a process per service (`start:services` / `start:router`: each service's index.ts). A
// documented switch that does nothing in one start mode fails here. Three stacks per mode: the defaults, every
// mechanism off, and the response cache on with its own switches off (plus the switches whose "on" is not the
// default: trusted documents only, migrations left to `npm run db:migrate`).

const root = fileURLToPath(new URL("../../../", import.meta.url));

const ALL_OFF = {
  ROUTER_HTTP_FAST_LANE: "false",
  ROUTER_SINGLE_FETCH_DIRECT: "false",
  RESPONSE_CACHE_ENABLED: "false",
  SUBGRAPH_FETCH_DEDUPE: "false",
  ROUTER_INBOUND_DEDUPE: "false",
  SUBGRAPH_HTTP_FAST_LANE: "false",
  SUBGRAPH_COMPILED_QUERIES: "false",
  ROUTER_INTROSPECTION: "false",
  ROUTER_FIELD_SUGGESTIONS: "false",
  ROUTER_CSRF_PREVENTION: "false",
  ROUTER_APQ: "false",
  DATABASE_PREPARED_STATEMENTS: "false",
  SEED_DEMO_DATA: "false",
};

/** The one cacheable read the third stack's trusted-document manifest lists. */
const CACHED = '{ userByHandle(handle: "nobody") { id handle } }';

function detailsEnv(manifestPath: string): Record<string, string> {
  return {
    RESPONSE_CACHE_FAST_PATH: "false",
    RESPONSE_CACHE_DEBUG_HEADER: "false",
    ROUTER_TRUSTED_DOCUMENTS: manifestPath,
    ROUTER_TRUSTED_DOCUMENTS_ONLY: "true",
    // Users', counters', chat's and payments' shards are migrated by `npm run db:migrate` before start; posts' are left alone.
    MIGRATE_ON_START: "false",
    SEED_DEMO_DATA: "false",
  };
}

/** Each switch and the counter that moves only when it is on, on the router or on the users subgraph. */
const OBSERVED: Array<{ name: string; service: "router" | "users"; metric: string }> = [
  { name: "ROUTER_HTTP_FAST_LANE", service: "router", metric: "plaza_router_graphql_fast_lane_requests_total" },
  { name: "ROUTER_SINGLE_FETCH_DIRECT", service: "router", metric: "plaza_router_single_fetch_direct_total" },
  { name: "RESPONSE_CACHE_ENABLED", service: "router", metric: "plaza_router_response_cache_lookups_total" },
  { name: "SUBGRAPH_FETCH_DEDUPE", service: "router", metric: 'plaza_router_inflight_dedupes_total{kind="subgraph"}' },
  { name: "ROUTER_INBOUND_DEDUPE", service: "router", metric: 'plaza_router_inflight_dedupes_total{kind="inbound"}' },
  { name: "SUBGRAPH_HTTP_FAST_LANE", service: "users", metric: "plaza_users_graphql_fast_lane_requests_total" },
  { name: "SUBGRAPH_COMPILED_QUERIES", service: "users", metric: "plaza_users_graphql_compiled_query_runs_total" },
];

interface Running {
  routerUrl: string;
  usersUrl: string;
  prepared: StackEnv;
  tap: PgWireTap;
  stop(): Promise<void>;
}

/** The sum of a metric's samples in a Prometheus text page (0 when absent); `name{label="v"}` selects one series. */
async function metricSum(baseUrl: string, selector: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const prefixes = selector.includes("{") ? [`${selector} `] : [`${selector} `, `${selector}{`];
  let sum = 0;
  for (const line of text.split("\n")) {
    if (prefixes.some((prefix) => line.startsWith(prefix))) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

interface GqlAnswer {
  status: number;
  headers: Headers;
  data?: unknown;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function gql(routerUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<GqlAnswer> {
  const res = await fetch(`${routerUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, ...((await res.json()) as object) };
}

/**
 * Requests that each switch's path would take: single-fetch reads of the users subgraph (anonymous, plain POST),
 * bursts of one of them sent at once (what inbound dedupe shares), and a post read at two aliases, whose author is
 * fetched from users twice at once (what fetch dedupe shares).
 */
async function exercise(routerUrl: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    expect((await gql(routerUrl, { query: `{ userByHandle(handle: "nobody${i}") { id handle } }` })).data).toEqual({
      userByHandle: null,
    });
  }
  // The bursts' query text is known (run once), each burst's variables are new: no cached answer exists for them.
  const byHandle = "query ByHandle($handle: String!) { userByHandle(handle: $handle) { id handle } }";
  await gql(routerUrl, { query: byHandle, variables: { handle: "nobody-taught" } });
  for (let burst = 0; burst < 3; burst++) {
    const body = { query: byHandle, variables: { handle: `nobody-burst-${burst}` } };
    const answers = await Promise.all(Array.from({ length: 20 }, () => gql(routerUrl, body)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
  }
  const signUp = await gql(routerUrl, {
    query: "mutation ($input: SignUpInput!) { signUp(input: $input) { token } }",
    variables: { input: newSignUp("switch") },
  });
  const token = (signUp.data as { signUp: { token: string } }).signUp.token;
  const created = await gql(
    routerUrl,
    { query: 'mutation { createPost(input: { body: "switches" }) { id } }' },
    { authorization: `Bearer ${token}` },
  );
  const postId = (created.data as { createPost: { id: string } }).createPost.id;
  const twice = await gql(routerUrl, {
    query: "query ($id: ID!) { a: post(id: $id) { author { handle } } b: post(id: $id) { author { handle } } }",
    variables: { id: postId },
  });
  expect(twice.errors).toBeUndefined();
}

/** Switches seen in what a client gets rather than in a metric: true when the mechanism is at work. */
const BEHAVIOURS: Record<string, (running: Running) => Promise<boolean>> = {
  ROUTER_INTROSPECTION: async ({ routerUrl }) =>
    (await gql(routerUrl, { query: "{ __schema { queryType { name } } }" })).data !== undefined,
  ROUTER_FIELD_SUGGESTIONS: async ({ routerUrl }) =>
    (await gql(routerUrl, { query: '{ userByHandl(handle: "x") { id } }' })).errors?.[0]?.message.includes("Did you mean") ??
    false,
  // A form POST (no JSON content type, no preflight-forcing header) is what a cross-site page can send.
  ROUTER_CSRF_PREVENTION: async ({ routerUrl }) => {
    const res = await fetch(`${routerUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `query=${encodeURIComponent("{ __typename }")}`,
    });
    return (await res.text()).includes("CSRF_ERROR");
  },
  ROUTER_APQ: async ({ routerUrl }) => {
    const query = "{ __typename }";
    const persistedQuery = { version: 1, sha256Hash: createHash("sha256").update(query).digest("hex") };
    await gql(routerUrl, { query, extensions: { persistedQuery } });
    return (await gql(routerUrl, { extensions: { persistedQuery } })).data !== undefined;
  },
  // Statements named by the users subgraph on its shards' connections, as Postgres receives them.
  DATABASE_PREPARED_STATEMENTS: async ({ tap }) => {
    expect(tap.namedParses() + tap.unnamedParses()).toBeGreaterThan(0);
    return tap.namedParses() > 0;
  },
};

/** The response cache's own switches and the settings whose "on" is not their default, against the defaults. */
const DETAILS: Record<string, (running: Running) => Promise<boolean>> = {
  RESPONSE_CACHE_FAST_PATH: async ({ routerUrl }) => {
    for (let i = 0; i < 3; i++) expect((await gql(routerUrl, { query: CACHED })).data).toEqual({ userByHandle: null });
    return (await metricSum(routerUrl, "plaza_router_response_cache_fast_path_hits_total")) > 0;
  },
  RESPONSE_CACHE_DEBUG_HEADER: async ({ routerUrl }) =>
    (await gql(routerUrl, { query: CACHED }, { "x-plaza-cache-debug": "1" })).headers.get("x-plaza-cache") !== null,
  // "On" here is the default: any document is taken.
  ROUTER_TRUSTED_DOCUMENTS_ONLY: async ({ routerUrl }) => {
    const answer = await gql(routerUrl, { query: "{ __typename }" });
    return answer.errors?.[0]?.extensions?.code !== "PERSISTED_QUERY_NOT_IN_LIST";
  },
  MIGRATE_ON_START: async ({ prepared }) => {
    const pool = createPostgresPool(prepared.shardUrls.posts[0]!, { max: 1 });
    try {
      const { rows } = await pool.query<{ migrated: boolean }>(
        "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS migrated",
      );
      return rows[0]!.migrated;
    } finally {
      await pool.end();
    }
  },
};

const started: Running[] = [];
afterAll(async () => {
  await Promise.all(started.splice(0).map((running) => running.stop()));
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function startEntry(entry: string, env: Record<string, string>, args: string[] = []): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", entry, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

function stopChildren(children: ChildProcess[]): Promise<void[]> {
  return Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    ),
  );
}

/** `npm run db:migrate -- <subgraph>` on the stack's databases, as an operator runs it with MIGRATE_ON_START=false. */
async function migrate(subgraph: string, env: Record<string, string>): Promise<void> {
  const child = startEntry("packages/sharding/src/cli/migrate.ts", { ...env, NODE_ENV: "test" }, [subgraph]);
  child.stdout?.resume();
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`db:migrate ${subgraph} exited with ${code}`);
}

type Layout = (env: Record<string, string>, prepared: StackEnv, ports: Record<string, number>) => ChildProcess[];

/** `npm start`: main.ts, everything in one process, seeding demo data as it does for a user. */
const oneProcess: Layout = (env) => [startEntry("packages/launcher/src/main.ts", env)];

/** The users and posts subgraphs and the router as processes of their own, as `start:services` runs them. */
const processPerService: Layout = (env, _prepared, ports) => [
  startEntry("subgraphs/users/src/index.ts", env),
  startEntry("subgraphs/posts/src/index.ts", env),
  startEntry("router/src/index.ts", {
    ...env,
    SUBGRAPH_URL_USERS: `http://127.0.0.1:${ports.USERS_PORT}/graphql`,
    SUBGRAPH_URL_POSTS: `http://127.0.0.1:${ports.POSTS_PORT}/graphql`,
  }),
];

async function pickPorts(): Promise<Record<string, number>> {
  return {
    ROUTER_PORT: await freePort(),
    USERS_PORT: await freePort(),
    POSTS_PORT: await freePort(),
    COUNTERS_PORT: await freePort(),
  };
}

/**
 * Spawns `layout` and waits until it serves (main.ts: until its banner, printed once the demo data is seeded). Undefined
 * when a service exited first: a port picked free was taken by another stack's listener meanwhile.
 */
async function launch(layout: Layout, env: Record<string, string>, prepared: StackEnv, ports: Record<string, number>) {
  const children = layout(env, prepared, ports);
  const exited = Promise.race(
    children.map((child) => new Promise<"exited">((resolve) => child.once("exit", () => resolve("exited")))),
  );
  const banner = new Promise<void>((resolve) => {
    let out = "";
    children[0]!.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("Plaza is running")) resolve();
    });
  });
  for (const child of children) child.stdout?.on("data", () => undefined);
  const serving = async () => {
    for (const port of [ports.ROUTER_PORT, ports.USERS_PORT]) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (!ok) return false;
    }
    return true;
  };
  const ready = (async () => {
    await waitFor(serving, { timeoutMs: 120_000, intervalMs: 250 });
    if (layout === oneProcess) await banner;
    return "ready" as const;
  })();
  if ((await Promise.race([ready, exited])) === "ready") return children;
  ready.catch(() => undefined);
  await stopChildren(children);
  return undefined;
}

async function start(layout: Layout, switches: Record<string, string>, premigrate: string[] = []): Promise<Running> {
  const prepared = await prepareStackEnv();
  const infra = testInfra();
  const target = new URL(infra.postgresUrl);
  const tap = await startPgWireTap({ host: target.hostname, port: Number(target.port) });
  const base: Record<string, string> = {
    ...prepared.env,
    LOG_LEVEL: "error",
    DATA_DIR: mkdtempSync(join(tmpdir(), "plaza-switches-")),
    USERS_DATABASE_SHARD_URLS: prepared.shardUrls.users.map((url) => tap.through(url)).join(","),
    ...switches,
  };
  for (const subgraph of premigrate) await migrate(subgraph, base);
  let children: ChildProcess[] = [];
  const running: Running = {
    routerUrl: "",
    usersUrl: "",
    prepared,
    tap,
    async stop() {
      await stopChildren(children);
      await tap.close();
      await prepared.dropDatabases();
    },
  };
  started.push(running);
  for (let attempt = 1; attempt <= 3; attempt++) {
    const ports = await pickPorts();
    const env: Record<string, string> = {
      ...base,
      COUNTERS_POSTS_URL: `http://127.0.0.1:${ports.POSTS_PORT}/graphql`,
      ...Object.fromEntries(Object.entries(ports).map(([key, port]) => [key, String(port)])),
    };
    const launched = await launch(layout, env, prepared, ports);
    if (launched) {
      children = launched;
      running.routerUrl = `http://127.0.0.1:${ports.ROUTER_PORT}`;
      running.usersUrl = `http://127.0.0.1:${ports.USERS_PORT}`;
      return running;
    }
  }
  throw new Error("the stack did not start in 3 attempts (see the services' stderr above)");
}

describe.each([
  { mode: "one process (npm start)", layout: oneProcess, seeds: true },
  { mode: "a process per service (start:services, start:router)", layout: processPerService, seeds: false },
])("switches in $mode", ({ layout, seeds }) => {
  it(
    "each documented switch turns its mechanism off, and is at its documented default otherwise",
    { timeout: 300_000 },
    async () => {
      const manifestPath = join(mkdtempSync(join(tmpdir(), "plaza-trusted-")), "manifest.json");
      writeFileSync(manifestPath, JSON.stringify({ [createHash("sha256").update(CACHED).digest("hex")]: CACHED }));
      const [defaults, off, details] = await Promise.all([
        start(layout, {}),
        start(layout, ALL_OFF),
        start(layout, detailsEnv(manifestPath), ["users", "counters", "chat", "payments"]),
      ]);

      for (const running of [defaults, off]) await exercise(running.routerUrl);
      for (const { name, service, metric } of OBSERVED) {
        const at = (running: Running) => metricSum(service === "router" ? running.routerUrl : running.usersUrl, metric);
        expect({ name, on: (await at(defaults)) > 0, off: await at(off) }).toEqual({ name, on: true, off: 0 });
      }
      for (const [name, probe] of Object.entries(BEHAVIOURS)) {
        expect({ name, on: await probe(defaults), off: await probe(off) }).toEqual({ name, on: true, off: false });
      }
      for (const [name, probe] of Object.entries(DETAILS)) {
        expect({ name, on: await probe(defaults), off: await probe(details) }).toEqual({ name, on: true, off: false });
      }
      // The details stack still serves what its manifest lists, from shards `db:migrate` prepared.
      expect((await gql(details.routerUrl, { query: CACHED })).data).toEqual({ userByHandle: null });

      // SEED_DEMO_DATA applies to `npm start` only: the demo users exist by default there and nowhere else.
      const alice = async (running: Running) =>
        (await gql(running.routerUrl, { query: '{ userByHandle(handle: "alice") { handle } }' })).data;
      expect(await alice(defaults)).toEqual({ userByHandle: seeds ? { handle: "alice" } : null });
      expect(await alice(off)).toEqual({ userByHandle: null });
    },
  );
});
