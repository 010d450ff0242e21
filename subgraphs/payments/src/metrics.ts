import type { ServiceMetrics } from "@plaza/kit";
import type { PaymentsMetrics } from "./application/payments.ts";

/** The payments subgraph's own instruments (plaza_payments_*), next to kit's HTTP/GraphQL ones. */
export function createPaymentsMetrics(metrics: ServiceMetrics): {
  payments: PaymentsMetrics;
  webhookRefusals: (reason: string) => void;
  subscriptions: ReturnType<ServiceMetrics["gauge"]>;
} {
  const providerCalls = metrics.counter("provider_calls_total", "Calls to the payment provider, by operation and outcome", [
    "operation",
    "outcome",
  ]);
  const webhooks = metrics.counter("webhook_events_total", "Verified webhook events, by outcome (applied, duplicate, ignored)", [
    "outcome",
  ]);
  const refusals = metrics.counter(
    "webhook_refusals_total",
    "Webhook requests refused, by reason (signature, too_large, method)",
    ["reason"],
  );
  const replays = metrics.counter("idempotent_replays_total", "Mutations answered from an idempotency key already used");
  const subscriptions = metrics.gauge("payment_subscriptions", "Active paymentUpdated subscriptions on this instance");
  return {
    payments: {
      providerCall: (operation, outcome) => providerCalls.inc({ operation, outcome }),
      webhook: (outcome) => webhooks.inc({ outcome }),
      idempotentReplay: () => replays.inc(),
    },
    webhookRefusals: (reason) => refusals.inc({ reason }),
    subscriptions,
  };
}
