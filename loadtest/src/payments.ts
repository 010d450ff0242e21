// Payments through the router with the local provider, everything in this process on embedded PGlite shards:
//   npx tsx loadtest/src/payments.ts [--connections 50] [--duration 10] [--ledger-payments 10000]
// 1. createPayment at --connections concurrent, every key unique: req/s, p50/p99, provider calls per payment;
// 2. the same with 20% of the requests retrying a recent key (a client retrying): provider calls per distinct key
//    must stay exactly 1.00;
// 3. webhooks: signed payment_intent.succeeded events (unique ids) posted to the router's /webhooks/psp: events/s;
// 4. tops the shards up to --ledger-payments payments, then times the ledger check (every shard balanced?).
// Writes loadtest/results/payments.json. Absolute figures move with the machine; read them side by side.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { createLogger } from "@plaza/kit";
import { startPlazaStack } from "@plaza/launcher/stack";
import { checkLedger } from "@plaza/payments/ledger";
import { signWebhook } from "@plaza/payments/webhook-signature";
import { repoRoot } from "./process-stack.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "50" },
    duration: { type: "string", default: "10" },
    "ledger-payments": { type: "string", default: "10000" },
  },
});
const connections = Number(values.connections);
const durationSeconds = Number(values.duration);
const ledgerPayments = Number(values["ledger-payments"]);

const dataDir = mkdtempSync(join(tmpdir(), "plaza-payments-bench-"));
const webhookSecret = `whsec_${randomBytes(24).toString("hex")}`;
const stack = await startPlazaStack(
  {
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    DATA_DIR: dataDir,
    ROUTER_PORT: "0",
    USERS_PORT: "0",
    POSTS_PORT: "0",
    COUNTERS_PORT: "0",
    PAYMENTS_PORT: "0",
    JWT_SECRET: randomBytes(32).toString("hex"),
    INTERNAL_AUTH_KEY: randomBytes(32).toString("hex"),
    ROUTER_RATE_LIMIT_PER_VIEWER: "0",
    ROUTER_RATE_LIMIT_PER_IP: "0",
    USERS_SIGNUP_IP_RATE_LIMIT: "1000000",
    ARGON2_MEMORY_KIB: "4096",
    ARGON2_TIME_COST: "1",
    PAYMENTS_WEBHOOK_SECRET: webhookSecret,
    PAYMENTS_LOCAL_OUTCOME_DELAY_MS: "50",
    // Reconciliation asks the provider again (same key) about payments pending too long: run by hand below, after
    // the measured runs, so their provider-call count is the requests' own.
    PAYMENTS_RECONCILE_INTERVAL_MS: "0",
  },
  createLogger({ service: "payments-bench", level: "silent" }),
);
const provider = stack.payments.localProvider!;
const countPayments = async () =>
  (await Promise.all(stack.payments.storage.shards.all.map((s) => s.client.payment.count()))).reduce((a, b) => a + b, 0);
const CREATE =
  'mutation ($key: String!) { createPayment(input: { amount: 500, currency: "USD", purpose: DONATION }, idempotencyKey: $key) { id status } }';

try {
  const signUp = await fetch(stack.routerUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }",
      variables: { input: { email: "bench@example.com", password: "correct-horse-9", handle: "bench", displayName: "Bench" } },
    }),
  });
  const { token, user } = ((await signUp.json()) as { data: { signUp: { token: string; user: { id: string } } } }).data.signUp;

  async function createRun(name: string, retryShare: number) {
    let seq = 0;
    const recent: string[] = [];
    const keys = new Set<string>();
    const before = provider.calls.create;
    const paymentsBefore = await countPayments();
    const result = await autocannon({
      url: stack.routerUrl,
      method: "POST",
      connections,
      duration: durationSeconds,
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      requests: [
        {
          setupRequest: (request) => {
            const retry = recent.length > 0 && Math.random() < retryShare;
            const key = retry ? recent[Math.floor(Math.random() * recent.length)]! : `${name}-${seq++}`;
            if (!retry) {
              recent.push(key);
              if (recent.length > 200) recent.shift();
            }
            keys.add(key);
            return { ...request, body: JSON.stringify({ query: CREATE, variables: { key } }) };
          },
        },
      ],
    });
    await provider.idle();
    const calls = provider.calls.create - before;
    // Keys set up for requests still in flight when the run ended were never sent: count the payments made.
    const made = (await countPayments()) - paymentsBefore;
    return {
      name,
      requestsPerSecond: result.requests.average,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      requests: result.requests.total,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
      keysSetUp: keys.size,
      payments: made,
      providerCalls: calls,
      providerCallsPerPayment: Number((calls / made).toFixed(4)),
    };
  }

  const unique = await createRun("unique-keys", 0);
  const retried = await createRun("retried-20pct", 0.2);

  // Webhooks for payments that exist: payment_intent.succeeded with fresh event ids (verified, inbox row, no-op).
  const paymentIds = (await stack.payments.payments.listByUser(user.id, 500, null)).payments.map((p) => p.id);
  let eventSeq = 0;
  const before = performance.now();
  const webhookResult = await autocannon({
    url: stack.routerUrl.replace("/graphql", "/webhooks/psp"),
    method: "POST",
    connections,
    duration: durationSeconds,
    headers: { "content-type": "application/json" },
    requests: [
      {
        setupRequest: (request) => {
          const paymentId = paymentIds[eventSeq % paymentIds.length]!;
          const body = JSON.stringify({
            id: `evt_bench_${eventSeq++}`,
            object: "event",
            type: "payment_intent.succeeded",
            created: Math.floor(Date.now() / 1000),
            data: { object: { id: "pi_bench", object: "payment_intent", metadata: { plaza_payment_id: paymentId } } },
          });
          return { ...request, body, headers: { ...request.headers, "stripe-signature": signWebhook(body, webhookSecret) } };
        },
      },
    ],
  });
  const webhookSeconds = (performance.now() - before) / 1000;

  // Top up to the ledger size asked for (through the application: no HTTP in the way), then time the check.
  const existing = await countPayments();
  for (let made = existing; made < ledgerPayments; made += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, ledgerPayments - made) }, (_, i) =>
        stack.payments.payments.create(user.id, { amount: 700, currency: "EUR", purpose: "DONATION" }, `fill-${made + i}`),
      ),
    );
  }
  await provider.idle();
  // Until every payment is settled (webhook, or reconciliation for those whose webhook gave up), bounded.
  const pending = async () =>
    (
      await Promise.all(stack.payments.storage.shards.all.map((s) => s.client.payment.count({ where: { status: "PENDING" } })))
    ).reduce((a, b) => a + b, 0);
  for (let waited = 0; waited < 180 && (await pending()) > 0; waited++) {
    await stack.payments.payments.reconcile(5_000, 1_000);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const stillPending = await pending();
  const payments = await countPayments();
  const checkStarted = performance.now();
  const ledger = await checkLedger(stack.payments.storage.shards.router);
  const ledgerCheckMs = Math.round(performance.now() - checkStarted);
  const report = {
    mode: "embedded PGlite, local provider, one process (router + subgraphs + load generator)",
    connections,
    durationSeconds,
    createPayment: [unique, retried],
    webhooks: {
      requests: webhookResult.requests.total,
      perSecond: webhookResult.requests.average,
      p99Ms: webhookResult.latency.p99,
      non2xx: webhookResult.non2xx,
      seconds: Number(webhookSeconds.toFixed(1)),
    },
    // After the top-up too: charged must equal the payments made; failed deliveries were retried (PGlite serialises
    // every transaction of the process, so under this load some wait past their limit and are answered 500).
    localProvider: { charged: provider.charged, calls: provider.calls, webhookDeliveries: provider.deliveries },
    ledgerCheck: {
      payments,
      stillPending,
      entries: ledger.reduce((sum, s) => sum + s.totals.reduce((t, x) => t + Number(x.entries), 0), 0),
      balanced: ledger.every((s) => s.unbalanced.length === 0 && s.totals.every((t) => t.total === 0n)),
      durationMs: ledgerCheckMs,
    },
  };
  const dir = join(repoRoot, "loadtest", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "payments.json"), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
