import { randomBytes, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { EventBus, Subscription } from "@plaza/events";
import { createHealth, createMetrics, type Logger, type SubgraphServer } from "@plaza/kit";
import { openSubgraphStorage, subgraphServerSwitches, type SubgraphStorage } from "@plaza/runtime";
import { PrismaClient } from "./generated/prisma/client.ts";
import { buildPaymentsApp, WEBHOOK_PATH } from "./app.ts";
import type { PaymentsConfig } from "./env.ts";
import { createPaymentsMetrics } from "./metrics.ts";
import { createLivePayments } from "./application/live-payments.ts";
import { createPayments, type Payments } from "./application/payments.ts";
import type { PaymentProvider } from "./application/ports/payment-provider.port.ts";
import type { PaymentStore } from "./application/ports/payment-store.port.ts";
import { startPaymentUpdatesConsumer } from "./adapters/events/payment-updates-consumer.ts";
import { createWebhookHandler } from "./adapters/http/webhook-handler.ts";
import { createLocalProvider, type LocalProvider } from "./adapters/local/local-provider.ts";
import { createPrismaPaymentStore } from "./adapters/prisma/prisma-payment-store.ts";
import { createStripeProvider, createStripeWebhookVerifier } from "./adapters/stripe/stripe-provider.ts";

export const PAYMENTS_MIGRATIONS_DIR = new URL("../../../prisma/payments/migrations", import.meta.url).pathname;

export interface PaymentsService {
  app: SubgraphServer;
  payments: Payments;
  store: PaymentStore;
  provider: PaymentProvider;
  /** The local provider when PAYMENTS_PROVIDER=local (tests drive its faults and count its calls). */
  localProvider?: LocalProvider;
  storage: SubgraphStorage<PrismaClient>;
  /** Bound port. */
  port: number;
  webhookUrl: string;
  stop(): Promise<void>;
}

/** Wires the payments subgraph from configuration and a bus; shared by its own main() and the single-process launcher. */
export async function startPaymentsService(
  config: PaymentsConfig,
  deps: { bus: EventBus; logger: Logger; provider?: PaymentProvider },
): Promise<PaymentsService> {
  const logger = deps.logger.child({ service: "payments" });
  const metrics = createMetrics("payments");
  const instruments = createPaymentsMetrics(metrics);
  const health = createHealth();
  const storage = await openSubgraphStorage({
    service: "payments",
    shardConfig: config.shards,
    makeClient: (adapter) => new PrismaClient({ adapter }),
    migrationsDir: PAYMENTS_MIGRATIONS_DIR,
    migrateOnStart: config.MIGRATE_ON_START,
    bus: deps.bus,
    logger,
    metrics,
    health,
  });
  // With the local provider both ends live in this process, so a secret made up now signs and verifies alike.
  const webhookSecret = config.PAYMENTS_WEBHOOK_SECRET ?? `whsec_${randomBytes(24).toString("hex")}`;
  const localProvider =
    !deps.provider && config.PAYMENTS_PROVIDER === "local"
      ? createLocalProvider({
          webhookSecret,
          outcomeDelayMs: config.PAYMENTS_LOCAL_OUTCOME_DELAY_MS,
          failureRate: config.PAYMENTS_LOCAL_FAILURE_RATE,
          logger: logger.child({ component: "local-provider" }),
        })
      : undefined;
  const provider =
    deps.provider ??
    localProvider ??
    createStripeProvider({
      secretKey: config.STRIPE_SECRET_KEY!,
      apiBase: config.STRIPE_API_BASE,
      timeoutMs: config.PAYMENTS_PROVIDER_TIMEOUT_MS,
      paymentMethod: config.STRIPE_PAYMENT_METHOD,
    });
  const store = createPrismaPaymentStore({ shards: storage.shards.router, onOutboxWrite: () => storage.relay.kick() });
  const live = createLivePayments({ findPayment: async (id) => (await store.findByIds([id]))[0] ?? null });
  const payments = createPayments({
    store,
    provider,
    updates: live.updates,
    limits: { maxAmount: config.PAYMENTS_MAX_AMOUNT, currencies: config.PAYMENTS_CURRENCIES },
    keyTtlMs: config.PAYMENTS_IDEMPOTENCY_TTL_SECONDS * 1000,
    inFlightMs: config.PAYMENTS_PROVIDER_TIMEOUT_MS + 2_000,
    membershipMaxAheadMs: config.PAYMENTS_MEMBERSHIP_MAX_DAYS_AHEAD * 24 * 3600 * 1000,
    logger,
    metrics: instruments.payments,
  });
  const webhook = createWebhookHandler({
    verify: createStripeWebhookVerifier({ secret: webhookSecret, toleranceSeconds: config.PAYMENTS_WEBHOOK_TOLERANCE_SECONDS }),
    handle: (event) => payments.handleEvent(event),
    logger,
    onRefused: instruments.webhookRefusals,
  });

  const consumers: Subscription[] = [];
  let reconciler: NodeJS.Timeout | undefined;
  const release = async () => {
    if (reconciler) clearInterval(reconciler);
    localProvider?.close();
    await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
    live.stop();
    await storage.close();
  };
  try {
    const instanceId = `${hostname()}.${randomUUID().slice(0, 8)}`;
    consumers.push(
      await startPaymentUpdatesConsumer({ bus: deps.bus, instanceId, changedElsewhere: (id) => live.changedElsewhere(id) }),
    );
    const app = buildPaymentsApp({
      payments,
      live,
      maxPageSize: config.PAYMENTS_MAX_PAGE_SIZE,
      webhook,
      logger,
      metrics,
      health,
      internalAuthKey: config.INTERNAL_AUTH_KEY,
      internalAuthMaxAgeSeconds: config.INTERNAL_AUTH_MAX_AGE_SECONDS,
      ...subgraphServerSwitches(config),
    });
    const port = await app.listen(config.PAYMENTS_PORT, config.HOST);
    if (config.metricsPort !== undefined) await app.listenMetrics(config.metricsPort, config.HOST);
    const webhookUrl = `http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${port}${WEBHOOK_PATH}`;
    localProvider?.setWebhookUrl(webhookUrl);
    if (config.PAYMENTS_RECONCILE_INTERVAL_MS > 0) {
      let running = false;
      reconciler = setInterval(() => {
        if (running) return;
        running = true;
        payments
          .reconcile(config.PAYMENTS_RECONCILE_AFTER_MS)
          .catch((err: unknown) => logger.warn({ err }, "reconciliation round failed"))
          .finally(() => (running = false));
      }, config.PAYMENTS_RECONCILE_INTERVAL_MS);
      reconciler.unref();
    }
    logger.info({ port, shards: config.shards.describe, provider: provider.name }, "payments subgraph listening");
    return {
      app,
      payments,
      store,
      provider,
      localProvider,
      storage,
      port,
      webhookUrl,
      async stop() {
        await app.close();
        await release();
      },
    };
  } catch (err) {
    await release();
    throw err;
  }
}
