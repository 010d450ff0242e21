// `conversation(id) { messages(last: 50) }` through the router vs the chat subgraph directly, 50 concurrent, same run:
//   npx tsx loadtest/src/chat-history.ts [--messages 200] [--connections 50] [--duration 10] [--rounds 2]
//     [--topology split|single]   split (default): router and each subgraph in its own process, as deployed
// Starts throw-away Postgres (two shards per subgraph), Redis and Kafka (or reuses PLAZA_TEST_*), runs Plaza against
// them in child processes, seeds one conversation of `--messages` messages through the router, then measures. Chat is
// never cached by the router, so every request does the whole read.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { isolatedSubgraphEnv, startBenchServices } from "./bench-services.ts";
import { seedConversations } from "./chat-seed.ts";
import { inParallel, routerGql } from "./public-api.ts";
import { compare, cpuTable, resultsTable } from "./measure.ts";
import { repoRoot, startProcessStack, type ProcessStack } from "./process-stack.ts";
import { routerSignature } from "./router-signature.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "200" },
    connections: { type: "string", default: "50" },
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    topology: { type: "string", default: "split" },
  },
});
const messageCount = Number(values.messages);
const connections = Number(values.connections);
const durationSeconds = Number(values.duration);
const rounds = Number(values.rounds);
const topology = values.topology === "single" ? "single" : "split";

const HISTORY =
  "query History($id: ID!) { conversation(id: $id) { id messages(last: 50) { edges { cursor node { id body createdAt sender { id } } } pageInfo { hasPreviousPage startCursor } } } }";

const services = await startBenchServices();
let stack: ProcessStack | undefined;
try {
  const env = await isolatedSubgraphEnv(services);
  stack = await startProcessStack(
    {
      ...env,
      REDIS_URL: services.redisUrl,
      REDIS_KEY_PREFIX: "bench:",
      KAFKA_BROKERS: services.kafkaBrokers.join(","),
      KAFKA_GROUP_PREFIX: "bench.",
      SEED_DEMO_DATA: "false",
      SUBGRAPH_FETCH_DEDUPE: "false",
      ARGON2_MEMORY_KIB: "4096",
      ARGON2_TIME_COST: "1",
    },
    { topology },
  );
  const url = stack.routerUrl;
  const [conversation] = await seedConversations(url, 1);
  const { id, members } = conversation!;
  await inParallel(Array.from({ length: messageCount }), 8, (_, i) =>
    routerGql(
      url,
      "mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id } }",
      { input: { conversationId: id, body: `message ${i}: ${"lorem ipsum ".repeat(6)}`, clientMessageId: `m${i}` } },
      members[i % 2]!.token,
    ),
  );
  const viewer = members[0];
  const chatUrl = `http://127.0.0.1:${env.CHAT_PORT}/graphql`;
  const body = JSON.stringify({ query: HISTORY, operationName: "History", variables: { id } });
  const results = await compare(
    [
      { name: "messages(last: 50), router", url, body, headers: { authorization: `Bearer ${viewer.token}` } },
      {
        name: "messages(last: 50), chat subgraph direct",
        url: chatUrl,
        body,
        sign: routerSignature(stack.env.INTERNAL_AUTH_KEY!, "chat", { viewerId: viewer.id }),
      },
    ],
    { connections, durationSeconds, rounds },
  );
  const [router, direct] = results as [(typeof results)[0], (typeof results)[0]];
  const report = {
    scenario: "conversation(id) { messages(last: 50) } through the router vs the chat subgraph directly",
    topology,
    messages: messageCount,
    connections,
    durationSeconds,
    rounds,
    results,
    routerToDirectRatio: Number((router.requestsPerSecond / direct.requestsPerSecond).toFixed(3)),
    targetRatio: 0.6,
    at: new Date().toISOString(),
  };
  const dir = join(repoRoot, "loadtest/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "chat-history.json"), JSON.stringify(report, null, 2));
  console.log(
    [
      ...resultsTable(results),
      "",
      ...cpuTable(results),
      "",
      `router / direct req/s = ${report.routerToDirectRatio} (target ≥ ${report.targetRatio}; ${connections} connections)`,
    ].join("\n"),
  );
} finally {
  await stack?.stop();
  await services.stop();
}
