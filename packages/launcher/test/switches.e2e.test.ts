import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, waitFor, type TestDatabase } from "@plaza/testkit";
import { startTestStack } from "./test-stack.ts";

// Every performance switch, off and on, in both ways Plaza starts: one process (`npm start`, the launcher's stack)
// and a process per service (`start:services` / `start:router`, each service's index.ts). A documented switch that
// does nothing in one start mode fails here.

const ALL_OFF = {
  ROUTER_HTTP_FAST_LANE: "false",
  ROUTER_SINGLE_FETCH_DIRECT: "false",
  RESPONSE_CACHE_ENABLED: "false",
  SUBGRAPH_HTTP_FAST_LANE: "false",
  SUBGRAPH_COMPILED_QUERIES: "false",
  ROUTER_INTROSPECTION: "false",
  ROUTER_FIELD_SUGGESTIONS: "false",
  ROUTER_CSRF_PREVENTION: "false",
  ROUTER_APQ: "false",
};

/** Each switch and the counter that moves only when it is on, on the router or on the users subgraph. */
const OBSERVED: Array<{ name: string; service: "router" | "users"; metric: string }> = [
  { name: "ROUTER_HTTP_FAST_LANE", service: "router", metric: "plaza_router_graphql_fast_lane_requests_total" },
  { name: "ROUTER_SINGLE_FETCH_DIRECT", service: "router", metric: "plaza_router_single_fetch_direct_total" },
  { name: "RESPONSE_CACHE_ENABLED", service: "router", metric: "plaza_router_response_cache_lookups_total" },
  { name: "SUBGRAPH_HTTP_FAST_LANE", service: "users", metric: "plaza_users_graphql_fast_lane_requests_total" },
  { name: "SUBGRAPH_COMPILED_QUERIES", service: "users", metric: "plaza_users_graphql_compiled_query_runs_total" },
];

interface Running {
  routerUrl: string;
  usersUrl: string;
  stop(): Promise<void>;
}

/** The sum of a metric's samples in a Prometheus text page (0 when absent). */
async function metricSum(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

/** Queries that each switch's path would take: single-fetch reads of the users subgraph, anonymous, plain POST. */
async function exercise(routerUrl: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${routerUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ userByHandle(handle: "nobody${i}") { id handle } }` }),
    });
    expect(await res.json()).toEqual({ data: { userByHandle: null } });
  }
}

async function gql(
  routerUrl: string,
  body: unknown,
): Promise<{ data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> }> {
  const res = await fetch(`${routerUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await res.json()) as never;
}

/** Switches seen in what a client gets rather than in a metric: true when the mechanism is at work. */
const BEHAVIOURS: Record<string, (routerUrl: string) => Promise<boolean>> = {
  ROUTER_INTROSPECTION: async (url) => (await gql(url, { query: "{ __schema { queryType { name } } }" })).data !== undefined,
  ROUTER_FIELD_SUGGESTIONS: async (url) =>
    (await gql(url, { query: '{ userByHandl(handle: "x") { id } }' })).errors?.[0]?.message.includes("Did you mean") ?? false,
  // A form POST (no JSON content type, no preflight-forcing header) is what a cross-site page can send.
  ROUTER_CSRF_PREVENTION: async (url) => {
    const res = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `query=${encodeURIComponent("{ __typename }")}`,
    });
    return (await res.text()).includes("CSRF_ERROR");
  },
  ROUTER_APQ: async (url) => {
    const query = "{ __typename }";
    const persistedQuery = { version: 1, sha256Hash: createHash("sha256").update(query).digest("hex") };
    await gql(url, { query, extensions: { persistedQuery } });
    return (await gql(url, { extensions: { persistedQuery } })).data !== undefined;
  },
};

async function observed(running: Running): Promise<{ metrics: Record<string, number>; behaviours: Record<string, boolean> }> {
  await exercise(running.routerUrl);
  const metrics: Record<string, number> = {};
  for (const { name, service, metric } of OBSERVED) {
    metrics[name] = await metricSum(service === "router" ? running.routerUrl : running.usersUrl, metric);
  }
  const behaviours: Record<string, boolean> = {};
  for (const [name, probe] of Object.entries(BEHAVIOURS)) behaviours[name] = await probe(running.routerUrl);
  return { metrics, behaviours };
}

async function inOneProcess(env: Record<string, string>): Promise<Running> {
  const stack = await startTestStack({ env });
  return {
    routerUrl: `http://127.0.0.1:${stack.routerPort}`,
    usersUrl: `http://127.0.0.1:${stack.users.port}`,
    stop: () => stack.stop(),
  };
}

const root = fileURLToPath(new URL("../../../", import.meta.url));

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

function startEntry(entry: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", entry], { cwd: root, env, stdio: ["ignore", "ignore", "inherit"] });
}

/** The users subgraph and the router as processes of their own, as `start:services` runs them. */
async function inProcesses(env: Record<string, string>): Promise<Running> {
  const databases: TestDatabase[] = await Promise.all([createTestDatabase("switches"), createTestDatabase("switches")]);
  const [usersPort, routerPort] = [await freePort(), await freePort()];
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    NODE_ENV: "test",
    LOG_LEVEL: "error",
    JWT_SECRET: randomBytes(32).toString("hex"),
    INTERNAL_AUTH_KEY: randomBytes(32).toString("hex"),
    ARGON2_MEMORY_KIB: "4096",
    ARGON2_TIME_COST: "1",
    ROUTER_RATE_LIMIT_PER_IP: "0",
    ROUTER_RATE_LIMIT_PER_VIEWER: "0",
    ...env,
  };
  const children = [
    startEntry("subgraphs/users/src/index.ts", {
      ...base,
      USERS_PORT: String(usersPort),
      USERS_DATABASE_SHARD_URLS: databases.map((db) => db.url).join(","),
    }),
    startEntry("router/src/index.ts", {
      ...base,
      ROUTER_PORT: String(routerPort),
      SUBGRAPH_URL_USERS: `http://127.0.0.1:${usersPort}/graphql`,
    }),
  ];
  const running: Running = {
    routerUrl: `http://127.0.0.1:${routerPort}`,
    usersUrl: `http://127.0.0.1:${usersPort}`,
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once("exit", () => resolve());
              child.kill("SIGTERM");
            }),
        ),
      );
      await Promise.all(databases.map((db) => db.drop()));
    },
  };
  try {
    for (const url of [running.usersUrl, running.routerUrl]) {
      await waitFor(async () => (await fetch(`${url}/healthz`)).ok, { timeoutMs: 90_000, intervalMs: 250 });
    }
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}

const started: Running[] = [];
afterAll(async () => {
  await Promise.all(started.splice(0).map((running) => running.stop()));
});

describe.each([
  { mode: "one process (npm start)", start: inOneProcess },
  { mode: "a process per service (start:services, start:router)", start: inProcesses },
])("performance switches in $mode", ({ start }) => {
  it("each documented switch turns its mechanism off, and it is on by default", { timeout: 240_000 }, async () => {
    const [on, off] = await Promise.all([start({}), start(ALL_OFF)]);
    started.push(on, off);
    const [whenOn, whenOff] = [await observed(on), await observed(off)];
    for (const { name } of OBSERVED) {
      expect({ name, value: whenOn.metrics[name]! > 0 }).toEqual({ name, value: true });
      expect({ name, value: whenOff.metrics[name] }).toEqual({ name, value: 0 });
    }
    for (const name of Object.keys(BEHAVIOURS)) {
      expect({ name, on: whenOn.behaviours[name], off: whenOff.behaviours[name] }).toEqual({ name, on: true, off: false });
    }
  });
});
