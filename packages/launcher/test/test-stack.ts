import { randomBytes } from "node:crypto";
import { createLogger, INTERNAL_AUTH_HEADER, signInternalIdentity, type InternalIdentity } from "@plaza/kit";
import { afterAll, beforeAll } from "vitest";
import {
  createTestDatabase,
  startKafka,
  testInfra,
  uniqueName,
  waitFor,
  type KafkaHandle,
  type TestDatabase,
} from "@plaza/testkit";
import { startPlazaStack, type PlazaStack } from "../src/stack.ts";

export interface TestStack extends PlazaStack {
  env: Record<string, string>;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResult<T>>;
}

export interface GqlResult<T> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string; field?: string } }>;
}

export async function postGraphQL<T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<GqlResult<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** A request straight to a subgraph, signed the way the router signs it: for that subgraph and exactly this body. */
export async function postToSubgraph<T>(
  stack: { env: Record<string, string> },
  subgraph: { name: string; port: number },
  identity: InternalIdentity,
  body: unknown,
): Promise<GqlResult<T>> {
  const text = JSON.stringify(body);
  const header = signInternalIdentity(stack.env.INTERNAL_AUTH_KEY!, identity, { subgraph: subgraph.name, body: text });
  return postGraphQL<T>(`http://127.0.0.1:${subgraph.port}/graphql`, text, { [INTERNAL_AUTH_HEADER]: header });
}

/**
 * One operation sent straight to a subgraph, signed as the router signs it for `viewerId`, twice: once as the
 * router sends it (the subgraph's fast lane takes it) and once with an Origin header (the lane leaves browsers'
 * requests to yoga's pipeline). Returns both answers, to be compared.
 */
export async function postToSubgraphBothWays<T>(
  stack: TestStack,
  subgraph: { name: string; port: number },
  body: { query: string; variables?: Record<string, unknown> },
  viewerId: string | null = null,
): Promise<{ lane: GqlResult<T>; yoga: GqlResult<T> }> {
  const url = `http://127.0.0.1:${subgraph.port}/graphql`;
  const text = JSON.stringify(body);
  const signed = () => ({
    [INTERNAL_AUTH_HEADER]: signInternalIdentity(
      stack.env.INTERNAL_AUTH_KEY!,
      { viewerId },
      { subgraph: subgraph.name, body: text },
    ),
  });
  const lane = await postGraphQL<T>(url, text, signed());
  const yoga = await postGraphQL<T>(url, text, { ...signed(), origin: "http://browser.test" });
  return { lane, yoga };
}

/** A stack's environment on fresh test databases (each subgraph its own shards), and a way to drop them. */
export interface StackEnv {
  env: Record<string, string>;
  shardUrls: { users: string[]; posts: string[]; counters: string[]; chat: string[]; payments: string[] };
  dropDatabases(): Promise<void>;
}

/**
 * The environment `npm start` gets in the e2e stack: real Postgres shards (fresh test databases), the given Kafka
 * brokers (default: the run's shared broker), the run's Redis under a key prefix of its own, every port chosen by
 * the OS, and limits relaxed where tests send from one address.
 */
export async function prepareStackEnv(
  opts: { shards?: number; kafkaBrokers?: string[]; env?: Record<string, string> } = {},
): Promise<StackEnv> {
  const shards = opts.shards ?? 2;
  const create = (prefix: string) => Promise.all(Array.from({ length: shards }, () => createTestDatabase(prefix)));
  // Each subgraph owns its databases, as in production.
  const [databases, postsDatabases, countersDatabases, chatDatabases, paymentsDatabases] = await Promise.all([
    create("stack"),
    create("stack_posts"),
    create("stack_counters"),
    create("stack_chat"),
    create("stack_payments"),
  ]);
  const urls = (dbs: TestDatabase[]) => dbs.map((db) => db.url);
  const env: Record<string, string> = {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    ROUTER_PORT: "0",
    // Every test client is 127.0.0.1: the per-address cap on anonymous graphql-ws connections is tested on its own.
    ROUTER_WS_MAX_ANONYMOUS_CONNECTIONS_PER_IP: "100000",
    // Likewise request rate limits (router/test/hardening.e2e.test.ts tests them).
    ROUTER_RATE_LIMIT_PER_IP: "0",
    ROUTER_RATE_LIMIT_PER_VIEWER: "0",
    USERS_PORT: "0",
    POSTS_PORT: "0",
    COUNTERS_PORT: "0",
    CHAT_PORT: "0",
    PAYMENTS_PORT: "0",
    JWT_SECRET: randomBytes(32).toString("hex"),
    INTERNAL_AUTH_KEY: randomBytes(32).toString("hex"),
    USERS_DATABASE_SHARD_URLS: urls(databases).join(","),
    POSTS_DATABASE_SHARD_URLS: urls(postsDatabases).join(","),
    COUNTERS_DATABASE_SHARD_URLS: urls(countersDatabases).join(","),
    CHAT_DATABASE_SHARD_URLS: urls(chatDatabases).join(","),
    PAYMENTS_DATABASE_SHARD_URLS: urls(paymentsDatabases).join(","),
    // Payments' local provider decides outcomes quickly, so tests wait little for webhooks.
    PAYMENTS_LOCAL_OUTCOME_DELAY_MS: "20",
    // Known to the tests, so they can sign webhooks of their own (and forge bad ones).
    PAYMENTS_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString("hex")}`,
    KAFKA_BROKERS: (opts.kafkaBrokers ?? testInfra().kafkaBrokers).join(","),
    // Stacks of different test files share the broker and Redis: their consumer groups and keys must not mix.
    KAFKA_GROUP_PREFIX: `${uniqueName("stack")}.`,
    REDIS_URL: testInfra().redisUrl,
    REDIS_KEY_PREFIX: `${uniqueName("stack")}:`,
    // Cheaper hashing keeps the suite quick; the algorithm (argon2id) is unchanged.
    ARGON2_MEMORY_KIB: "4096",
    ARGON2_TIME_COST: "1",
    // Subscription tests increment one counter in a loop, as one viewer, until a subscriber sees it: views are not
    // limited here. Shares keep the product's limits (counters.e2e.test.ts tests them through the router).
    COUNTERS_VIEW_RATE_LIMIT: "1000000",
    COUNTERS_VIEW_RATE_WINDOW_MS: "1000",
    // Every test signs up and signs in its users from 127.0.0.1: the per-address limits would refuse them.
    // Per-account limits keep the product's values (users-throttling.e2e.test.ts tests them through the router).
    USERS_SIGNUP_IP_RATE_LIMIT: "1000000",
    USERS_SIGNIN_IP_RATE_LIMIT: "1000000",
    ...opts.env,
  };
  return {
    env,
    shardUrls: {
      users: urls(databases),
      posts: urls(postsDatabases),
      counters: urls(countersDatabases),
      chat: urls(chatDatabases),
      payments: urls(paymentsDatabases),
    },
    async dropDatabases() {
      await Promise.all(
        [...databases, ...postsDatabases, ...countersDatabases, ...chatDatabases, ...paymentsDatabases].map((db) => db.drop()),
      );
    },
  };
}

/** The same wiring as `npm start`, in this process, on the environment of `prepareStackEnv`. */
export async function startTestStack(
  opts: { shards?: number; kafkaBrokers?: string[]; env?: Record<string, string> } = {},
): Promise<TestStack> {
  const prepared = await prepareStackEnv(opts);
  const { env } = prepared;
  const stack = await startPlazaStack(env, createLogger({ service: "test-stack", level: env.LOG_LEVEL! }));
  return {
    ...stack,
    env,
    gql: (query, variables, token) =>
      postGraphQL(stack.routerUrl, { query, variables }, token ? { authorization: `Bearer ${token}` } : {}),
    async stop() {
      await stack.stop();
      await prepared.dropDatabases();
    },
  };
}

/**
 * A stack on a Kafka broker of its own, for tests that stop and restart the broker (which must not disturb other test
 * files): both start in `beforeAll` and stop in `afterAll` of the calling file or describe block.
 */
export function stackOnPrivateKafka(): { stack(): TestStack; kafka(): KafkaHandle } {
  let kafka: KafkaHandle | undefined;
  let stack: TestStack | undefined;
  beforeAll(async () => {
    kafka = await startKafka();
    stack = await startTestStack({ kafkaBrokers: kafka.brokers });
  });
  afterAll(async () => {
    await stack?.stop();
    await kafka?.stop();
  });
  return { stack: () => stack!, kafka: () => kafka! };
}

const CREATE_POST = "mutation ($body: String!) { createPost(input: { body: $body }) { id } }";
const LIKE = "mutation ($id: ID!) { likePost(postId: $id) { id } }";
const UNLIKE = "mutation ($id: ID!) { unlikePost(postId: $id) { id } }";

/**
 * A post created through the router as the holder of `token`; resolves once the counters subgraph has projected it
 * (views and shares count only for posts it knows).
 */
export async function createCountedPost(stack: TestStack, token: string, body = "counted"): Promise<string> {
  const created = await stack.gql<{ createPost: { id: string } }>(CREATE_POST, { body }, token);
  if (!created.data) throw new Error(`createPost failed: ${JSON.stringify(created.errors)}`);
  const id = created.data.createPost.id;
  await waitFor(async () => (await stack.gql(LIKE, { id }, token)).errors === undefined, {
    timeoutMs: 60_000,
    intervalMs: 100,
    description: "PostCreated projected by the counters subgraph",
  });
  await stack.gql(UNLIKE, { id }, token);
  return id;
}

let seq = 0;
/** Sign-up input that is unique within the run. */
export function newSignUp(prefix = "u") {
  const handle = `${prefix}${Date.now().toString(36)}${(seq++).toString(36)}`.slice(0, 30);
  return { email: `${handle}@example.com`, password: "correct-horse-9", handle, displayName: `User ${handle}` };
}
