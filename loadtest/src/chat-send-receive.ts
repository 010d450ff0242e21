// Send-to-receive latency of chat: `--conversations` two-member conversations, both members subscribed to
// `messageAdded` over graphql-ws, messages sent through the router at fixed rates (round robin over the conversations,
// senders alternating); latency from the moment `sendMessage` is sent to each member's `messageAdded`:
//   phase "router": subscribers on the router, `messageAdded { id body sender { handle displayName } }` (users resolves
//                   the sender for every event)
//   phase "direct": subscribers on the chat subgraph itself (signed as the router signs), `messageAdded { id body }`
//   npx tsx loadtest/src/chat-send-receive.ts [--conversations 1000] [--rates 200,400,800] [--seconds 5]
//     [--processes 2] [--topology split|single]
// Starts throw-away Postgres, Redis and Kafka (or reuses PLAZA_TEST_*), runs Plaza against them in child processes.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { INTERNAL_AUTH_HEADER, signInternalIdentity } from "@plaza/kit";
import { isolatedSubgraphEnv, startBenchServices } from "./bench-services.ts";
import { seedConversations, type SeededConversation } from "./chat-seed.ts";
import { routerGql } from "./public-api.ts";
import { repoRoot, startProcessStack, type ProcessStack } from "./process-stack.ts";
import {
  startSubscriberProcesses,
  summarize,
  type SubscriberProcesses,
  type SubscriptionSpec,
} from "./subscriptions/subscriber-processes.ts";

const { values } = parseArgs({
  options: {
    conversations: { type: "string", default: "1000" },
    rates: { type: "string", default: "200,400,800" },
    seconds: { type: "string", default: "5" },
    processes: { type: "string", default: "2" },
    topology: { type: "string", default: "split" },
  },
});
const conversationCount = Number(values.conversations);
const rates = values.rates.split(",").map(Number);
const seconds = Number(values.seconds);
const topology = values.topology === "single" ? "single" : "split";
const now = () => performance.timeOrigin + performance.now();
// Every load loop is bounded: at most this many messages per step.
const MAX_MESSAGES_PER_STEP = 20_000;

const ROUTER_QUERY = "subscription ($id: ID!) { messageAdded(conversationId: $id) { id body sender { handle displayName } } }";
const DIRECT_QUERY = "subscription ($id: ID!) { messageAdded(conversationId: $id) { id body } }";
const SEND = "mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id } }";

const services = await startBenchServices();
let stack: ProcessStack | undefined;
let processes: SubscriberProcesses | undefined;
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
      ARGON2_MEMORY_KIB: "4096",
      ARGON2_TIME_COST: "1",
      // Opening thousands of direct subscriptions takes longer than the default 30 s signature window.
      INTERNAL_AUTH_MAX_AGE_SECONDS: "300",
    },
    { topology },
  );
  const url = stack.routerUrl;
  const chatWs = `ws://127.0.0.1:${env.CHAT_PORT}/graphql`;
  const started = Date.now();
  const conversations = await seedConversations(url, conversationCount);
  console.log(`seeded ${conversationCount} conversations in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  let sequence = 0;
  async function step(rate: number, label: string) {
    const total = Math.min(MAX_MESSAGES_PER_STEP, Math.round(rate * seconds));
    const sentAt = new Map<string, number>();
    const intervalMs = 1000 / rate;
    const begin = now();
    const inFlight: Promise<unknown>[] = [];
    let sendErrors = 0;
    for (let i = 0; i < total; i++) {
      const due = begin + i * intervalMs;
      const wait = due - now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const conversation = conversations[sequence % conversations.length]!;
      const sender = conversation.members[Math.floor(sequence / conversations.length) % 2]!;
      const body = `${label}-${sequence++}`;
      sentAt.set(body, now());
      inFlight.push(
        routerGql(url, SEND, { input: { conversationId: conversation.id, body, clientMessageId: body } }, sender.token).catch(
          () => sendErrors++,
        ),
      );
    }
    await Promise.all(inFlight);
    const achievedRate = total / ((now() - begin) / 1000);
    const expected = total * 2;
    // Deliveries still on their way get two seconds after the last acknowledgement.
    await new Promise((r) => setTimeout(r, 2_000));
    const latencies: number[] = [];
    let received = 0;
    for (const [body, at] of sentAt) {
      const times = await processes!.collect(body);
      received += times.length;
      for (const t of times) latencies.push(Math.max(0, t - at));
    }
    return {
      rate,
      achievedRate: Number(achievedRate.toFixed(1)),
      messages: total,
      sendErrors,
      expected,
      received,
      ...summarize(latencies),
    };
  }

  async function phase(label: "router" | "direct") {
    const specs: SubscriptionSpec[] = conversations.flatMap((c: SeededConversation) =>
      c.members.map((member) =>
        label === "router"
          ? { token: member.token, query: ROUTER_QUERY, variables: { id: c.id } }
          : {
              query: DIRECT_QUERY,
              variables: { id: c.id },
              connectionParams: {
                [INTERNAL_AUTH_HEADER]: signInternalIdentity(
                  stack!.env.INTERNAL_AUTH_KEY!,
                  { viewerId: member.id },
                  { subgraph: "chat", purpose: "graphql-ws" },
                ),
              },
            },
      ),
    );
    processes = await startSubscriberProcesses(Number(values.processes));
    const opened = await processes.open(
      label === "router" ? url.replace("http://", "ws://") : chatWs,
      specs,
      "messageAdded.body",
    );
    console.log(`${label}: ${opened} subscriptions open`);
    // Warm-up: one message per conversation, until every member hears their conversation's.
    await step(Math.min(200, conversationCount), `${label}-warm`);
    const steps = [];
    for (const rate of rates) {
      const result = await step(rate, `${label}-${rate}`);
      console.log(
        `${label} @ ${rate}/s (achieved ${result.achievedRate}/s): p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, received ${result.received}/${result.expected}, send errors ${result.sendErrors}`,
      );
      steps.push(result);
    }
    await processes.close();
    processes = undefined;
    return steps;
  }

  const router = await phase("router");
  const direct = await phase("direct");
  const ratios = router.map((r, i) => ({
    rate: r.rate,
    p50RouterToDirect: Number((r.p50Ms / Math.max(direct[i]!.p50Ms, 0.001)).toFixed(2)),
    p99RouterToDirect: Number((r.p99Ms / Math.max(direct[i]!.p99Ms, 0.001)).toFixed(2)),
  }));
  const report = {
    scenario: "chat send → messageAdded, subscribers on the router vs on the chat subgraph directly; sends through the router",
    topology,
    conversations: conversationCount,
    subscribers: conversationCount * 2,
    secondsPerRate: seconds,
    router,
    direct,
    ratios,
    at: new Date().toISOString(),
  };
  const dir = join(repoRoot, "loadtest/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "chat-send-receive.json"), JSON.stringify(report, null, 2));
  console.log(JSON.stringify(ratios));
} finally {
  await processes?.close().catch(() => undefined);
  await stack?.stop();
  await services.stop();
}
