// Measures `user(id)` through the router against the users subgraph hit directly, same process, same run:
//   npx tsx loadtest/src/user-by-id.ts [--connections 50] [--duration 10] [--rounds 2]
// With infra:up's .env in place it runs against real Postgres shards and Kafka, else on embedded PGlite.
import "dotenv/config";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { routerSignature } from "./router-signature.ts";
import { compare, cpuTable, resultsTable } from "./measure.ts";
import { repoRoot, startProcessStack } from "./process-stack.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "50" },
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
  },
});
const connections = Number(values.connections);
const durationSeconds = Number(values.duration);
const rounds = Number(values.rounds);

/** The launcher seeds demo users right after it starts listening. */
async function demoUserId(routerUrl: string): Promise<string> {
  for (let attempt = 0; attempt < 120; attempt++) {
    const lookup = await fetch(routerUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: '{ userByHandle(handle: "alice") { id } }' }),
    });
    const id = ((await lookup.json()) as { data?: { userByHandle?: { id: string } | null } }).data?.userByHandle?.id;
    if (id) return id;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("demo user alice never appeared");
}

const stack = await startProcessStack();
try {
  const id = await demoUserId(stack.routerUrl);
  const body = JSON.stringify({
    query: "query UserById($id: ID!) { user(id: $id) { id handle displayName bio createdAt } }",
    variables: { id },
  });
  // The subgraph only answers the router: sign like the router does (per body, at the start of every run).
  const sign = routerSignature(stack.env.INTERNAL_AUTH_KEY!, "users");

  const results = await compare(
    [
      { name: "users subgraph direct", url: stack.usersUrl, body, sign },
      { name: "through the router", url: stack.routerUrl, body },
    ],
    { connections, durationSeconds, rounds },
  );
  const [direct, routed] = results as [(typeof results)[0], (typeof results)[0]];
  const report = {
    scenario: "user(id)",
    mode: stack.env.USERS_DATABASE_SHARD_URLS ? "postgres" : "embedded-pglite",
    connections,
    durationSeconds,
    rounds,
    results,
    routerToDirectRatio: Number((routed.requestsPerSecond / direct.requestsPerSecond).toFixed(3)),
    at: new Date().toISOString(),
  };
  const dir = join(repoRoot, "loadtest/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "user-by-id.json"), JSON.stringify(report, null, 2));
  console.log(
    [
      ...resultsTable(results),
      ``,
      ...cpuTable(results),
      ``,
      `router / direct req/s = ${report.routerToDirectRatio} (${report.mode}, ${connections} connections)`,
    ].join("\n"),
  );
} finally {
  await stack.stop();
}
