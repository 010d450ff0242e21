// The router's response cache, measured side by side in one run on one machine:
//   1. cached vs uncached req/s for `post(id) { body author { displayName } likeCount }` (target ≥ 10×): two copies of
//      `npm start` over the same kind of throw-away Postgres/Redis/Kafka, one with RESPONSE_CACHE_ENABLED=false (and
//      subgraph fetch deduplication off: the router as it was before caching);
//   2. the first-level hit path vs a bare Node.js HTTP server answering the very same bytes (target ≥ 60% of its
//      req/s — the distance to what Node's HTTP stack can do at all on this machine).
//   npx tsx loadtest/src/response-cache.ts [--connections 50] [--duration 10] [--rounds 3] [--yoga-hit-path]
// --yoga-hit-path adds a third stack with RESPONSE_CACHE_FAST_PATH=false: L1 hits answered through GraphQL (yoga).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startBenchServices, until, type BenchServices } from "./bench-services.ts";
import { compare, cpuTable, resultsTable, type Target } from "./measure.ts";
import { freePort, repoRoot, startProcessStack, type ProcessStack } from "./process-stack.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "50" },
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    "yoga-hit-path": { type: "boolean", default: false },
  },
});
const connections = Number(values.connections);
const durationSeconds = Number(values.duration);
const rounds = Number(values.rounds);

const POST = "query PostById($id: ID!) { post(id: $id) { body author { displayName } likeCount } }";

/** One `npm start` child over its own databases, Redis key prefix and Kafka group prefix. */
async function startStack(services: BenchServices, name: string, env: Record<string, string>): Promise<ProcessStack> {
  const [users, posts, counters] = [
    await services.createDatabases(`bench_${name}_users`, 2),
    await services.createDatabases(`bench_${name}_posts`, 2),
    await services.createDatabases(`bench_${name}_counters`, 2),
  ];
  return startProcessStack({
    USERS_DATABASE_SHARD_URLS: users.join(","),
    POSTS_DATABASE_SHARD_URLS: posts.join(","),
    COUNTERS_DATABASE_SHARD_URLS: counters.join(","),
    // Subgraphs process-stack does not know about yet must not collide between the stacks.
    COUNTERS_PORT: String(await freePort()),
    CHAT_PORT: String(await freePort()),
    PAYMENTS_PORT: String(await freePort()),
    REDIS_URL: services.redisUrl,
    REDIS_KEY_PREFIX: `bench-${name}:`,
    KAFKA_BROKERS: services.kafkaBrokers.join(","),
    KAFKA_GROUP_PREFIX: `bench-${name}.`,
    ROUTER_INSTANCE_ID: `bench-${name}`,
    SEED_DEMO_DATA: "false",
    ARGON2_MEMORY_KIB: "4096",
    ARGON2_TIME_COST: "1",
    ...env,
  });
}

async function gql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<{ data?: T; errors?: unknown }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: T; errors?: unknown };
}

/** A user and one post through the public API; resolves with the request body measured and its answer. */
async function seed(stack: ProcessStack, name: string) {
  const handle = `bench_${name}_${Date.now().toString(36)}`;
  const signUp = await gql<{ signUp: { token: string } }>(
    stack.routerUrl,
    "mutation ($input: SignUpInput!) { signUp(input: $input) { token } }",
    { input: { email: `${handle}@bench.local`, password: "bench-password-1", handle, displayName: `Bench ${name}` } },
  );
  if (!signUp.data) throw new Error(`sign-up failed: ${JSON.stringify(signUp.errors)}`);
  const created = await gql<{ createPost: { id: string } }>(
    stack.routerUrl,
    "mutation ($body: String!) { createPost(input: { body: $body }) { id } }",
    { body: `a post read many times: ${"lorem ipsum ".repeat(12)}` },
    signUp.data.signUp.token,
  );
  if (!created.data) throw new Error(`createPost failed: ${JSON.stringify(created.errors)}`);
  const variables = { id: created.data.createPost.id };
  let answer = "";
  // The counters subgraph learns of the post from its PostCreated event.
  await until(async () => {
    const response = await fetch(stack.routerUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: POST, operationName: "PostById", variables }),
    });
    answer = await response.text();
    return response.ok && !answer.includes('"errors"');
  }, `post(id) answering on the ${name} stack`);
  return { body: JSON.stringify({ query: POST, operationName: "PostById", variables }), answer };
}

/** A Node.js HTTP server that answers every request with `body`, in its own process (plain node, no framework). */
async function startBareServer(body: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const script = [
    'const http = require("node:http");',
    "const body = Buffer.from(process.env.BARE_BODY);",
    "http.createServer((req, res) => {",
    "  req.resume();",
    '  req.on("end", () => {',
    '    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": body.length });',
    "    res.end(body);",
    "  });",
    '}).listen(Number(process.env.BARE_PORT), "127.0.0.1");',
  ].join("\n");
  const child: ChildProcess = spawn(process.execPath, ["-e", script], {
    env: { ...process.env, BARE_BODY: body, BARE_PORT: String(port) },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  await until(
    async () => (await fetch(url, { method: "POST", body: "{}" }).catch(() => null))?.ok === true,
    "bare server",
    10_000,
    50,
  );
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

const services = await startBenchServices();
const stacks: ProcessStack[] = [];
let bare: Awaited<ReturnType<typeof startBareServer>> | undefined;
try {
  const [cached, uncached, yogaHits] = await Promise.all([
    startStack(services, "cached", {}),
    startStack(services, "uncached", { RESPONSE_CACHE_ENABLED: "false", SUBGRAPH_FETCH_DEDUPE: "false" }),
    values["yoga-hit-path"] ? startStack(services, "yoga", { RESPONSE_CACHE_FAST_PATH: "false" }) : undefined,
  ]);
  stacks.push(...[cached, uncached, yogaHits].filter((s): s is ProcessStack => !!s));
  const cachedSeed = await seed(cached, "cached");
  const uncachedSeed = await seed(uncached, "uncached");
  const yogaSeed = yogaHits && (await seed(yogaHits, "yoga"));
  bare = await startBareServer(cachedSeed.answer);

  const targets: Target[] = [
    { name: "router, response cache off", url: uncached.routerUrl, body: uncachedSeed.body },
    { name: "router, L1 hits (fast path)", url: cached.routerUrl, body: cachedSeed.body },
    ...(yogaHits && yogaSeed ? [{ name: "router, L1 hits through yoga", url: yogaHits.routerUrl, body: yogaSeed.body }] : []),
    { name: "bare node:http, same bytes", url: bare.url, body: cachedSeed.body },
  ];
  const results = await compare(targets, { connections, durationSeconds, rounds });
  const rps = (name: string) => results.find((r) => r.name === name)!.requestsPerSecond;
  const cachedToUncached = rps("router, L1 hits (fast path)") / rps("router, response cache off");
  const hitToBare = rps("router, L1 hits (fast path)") / rps("bare node:http, same bytes");
  const report = {
    scenario: "post(id) { body author { displayName } likeCount }: response cache",
    mode: "postgres + redis + kafka (throw-away, loopback)",
    connections,
    durationSeconds,
    rounds,
    results,
    cachedToUncachedRatio: Number(cachedToUncached.toFixed(2)),
    cachedTarget: 10,
    l1HitToBareRatio: Number(hitToBare.toFixed(3)),
    bareTarget: 0.6,
    ...(yogaHits && {
      yogaHitToBareRatio: Number((rps("router, L1 hits through yoga") / rps("bare node:http, same bytes")).toFixed(3)),
    }),
    at: new Date().toISOString(),
  };
  const dir = join(repoRoot, "loadtest/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "response-cache.json"), JSON.stringify(report, null, 2));
  console.log(
    [
      ...resultsTable(results),
      ``,
      ...cpuTable(results),
      ``,
      `cached / uncached req/s = ${report.cachedToUncachedRatio}× (target ≥ ${report.cachedTarget}×)`,
      `L1 hit path / bare node:http req/s = ${report.l1HitToBareRatio} (target ≥ ${report.bareTarget})`,
      ...(report.yogaHitToBareRatio !== undefined
        ? [`L1 hits through yoga / bare node:http = ${report.yogaHitToBareRatio}`]
        : []),
      `(${connections} connections, ${durationSeconds} s × ${rounds} rounds per target, alternating)`,
    ].join("\n"),
  );
} finally {
  await bare?.stop();
  await Promise.allSettled(stacks.map((stack) => stack.stop()));
  await services.stop();
}
