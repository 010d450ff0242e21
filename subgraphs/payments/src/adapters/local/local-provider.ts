import { randomBytes } from "node:crypto";
import type { Logger } from "@plaza/kit";
import {
  ProviderTimeoutError,
  ProviderUnavailableError,
  type PaymentProvider,
} from "../../application/ports/payment-provider.port.ts";
import { PAYMENT_ID_METADATA } from "../stripe/stripe-provider.ts";
import { signWebhook } from "../stripe/webhook-signature.ts";

interface Intent {
  id: string;
  paymentId: string;
  amount: number;
  currency: string;
  status: "processing" | "succeeded" | "requires_payment_method";
  amountRefunded: number;
}

export interface LocalProviderOptions {
  /** Signs the webhooks it sends (the same secret the service verifies with). */
  webhookSecret: string;
  /** How long until a payment's outcome is decided and its webhook sent. */
  outcomeDelayMs: number;
  /** Share of payments declined at random (0–1); amounts ending in 402 (e.g. 1402) are always declined. */
  failureRate: number;
  logger: Logger;
  random?: () => number;
}

/** What tests can make the local provider do. */
export type LocalProviderMode = "ok" | "timeout" | "down" | "refunds-down";

export interface LocalProvider extends PaymentProvider {
  /** Where webhooks go (set once the service listens). */
  setWebhookUrl(url: string): void;
  /** Calls received, by operation: what "one provider call per payment" is measured with. */
  readonly calls: { create: number; refund: number };
  /** Payments actually charged (one per distinct idempotency key), and refunds actually made. */
  readonly charged: number;
  /** Webhook deliveries refused or unanswered (each retried), and deliveries given up after the last retry. */
  readonly deliveries: { failed: number; abandoned: number };
  setMode(mode: LocalProviderMode): void;
  /** Resolves when every scheduled outcome and webhook has been delivered. */
  idle(): Promise<void>;
  close(): void;
}

const id = (prefix: string) => `${prefix}_local_${randomBytes(12).toString("hex")}`;

/**
 * An in-process PSP for the embedded default and tests, behaving like Stripe where it matters: idempotency keys
 * (the same key returns the same intent), an asynchronous outcome announced by a signed webhook
 * (`payment_intent.succeeded` / `payment_intent.payment_failed`, `charge.refunded`), retried deliveries (a PSP
 * delivers at least once), refunds bounded by what was charged.
 */
export function createLocalProvider(options: LocalProviderOptions): LocalProvider {
  const random = options.random ?? Math.random;
  const intents = new Map<string, Intent>(); // by idempotency key
  const refunds = new Map<string, string>(); // idempotency key → refund id
  const calls = { create: 0, refund: 0 };
  let charged = 0;
  const deliveries = { failed: 0, abandoned: 0 };
  let mode: LocalProviderMode = "ok";
  let webhookUrl: string | undefined;
  let closed = false;
  const pending = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();

  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  async function deliver(type: string, object: Record<string, unknown>) {
    const payload = JSON.stringify({
      id: id("evt"),
      object: "event",
      type,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object },
    });
    for (let attempt = 0; attempt < 5 && !closed; attempt++) {
      if (!webhookUrl) break;
      try {
        const response = await fetch(webhookUrl, {
          method: "POST",
          headers: { "content-type": "application/json", "stripe-signature": signWebhook(payload, options.webhookSecret) },
          body: payload,
          signal: AbortSignal.timeout(10_000),
        });
        await response.body?.cancel();
        if (response.ok) return;
        deliveries.failed++;
      } catch {
        deliveries.failed++; // retried below
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
    deliveries.abandoned++;
    options.logger.warn({ type }, "local provider gave up delivering a webhook");
  }

  const intentObject = (intent: Intent) => ({
    id: intent.id,
    object: "payment_intent",
    amount: intent.amount,
    currency: intent.currency.toLowerCase(),
    status: intent.status,
    metadata: { [PAYMENT_ID_METADATA]: intent.paymentId },
  });

  function decideLater(intent: Intent) {
    const timer = setTimeout(() => {
      timers.delete(timer);
      const declined = intent.amount % 1000 === 402 || random() < options.failureRate;
      intent.status = declined ? "requires_payment_method" : "succeeded";
      track(deliver(declined ? "payment_intent.payment_failed" : "payment_intent.succeeded", intentObject(intent)));
    }, options.outcomeDelayMs);
    timers.add(timer);
  }

  return {
    name: "local",
    calls,
    deliveries,
    get charged() {
      return charged;
    },
    setWebhookUrl(url) {
      webhookUrl = url;
    },
    setMode(next) {
      mode = next;
    },
    async createPayment(request) {
      calls.create++;
      if (mode === "down") throw new ProviderUnavailableError("local provider is down");
      let intent = intents.get(request.idempotencyKey);
      if (!intent) {
        intent = {
          id: id("pi"),
          paymentId: request.paymentId,
          amount: request.amount,
          currency: request.currency,
          status: "processing",
          amountRefunded: 0,
        };
        intents.set(request.idempotencyKey, intent);
        charged++;
        decideLater(intent);
      }
      // Charged, but the answer is lost on the way back.
      if (mode === "timeout") throw new ProviderTimeoutError("local provider timed out");
      return {
        providerPaymentId: intent.id,
        status: intent.status === "succeeded" ? "SUCCEEDED" : intent.status === "processing" ? "PENDING" : "FAILED",
      };
    },
    async refund(request) {
      calls.refund++;
      if (mode === "down" || mode === "refunds-down") throw new ProviderUnavailableError("local provider is down");
      const known = refunds.get(request.idempotencyKey);
      if (known) return { providerRefundId: known };
      const intent = [...intents.values()].find((candidate) => candidate.id === request.providerPaymentId);
      if (!intent || intent.status !== "succeeded") throw new Error("local provider: nothing to refund");
      if (request.amount > intent.amount - intent.amountRefunded) throw new Error("local provider: refund exceeds the charge");
      intent.amountRefunded += request.amount;
      const refundId = id("re");
      refunds.set(request.idempotencyKey, refundId);
      track(
        deliver("charge.refunded", {
          id: id("ch"),
          object: "charge",
          payment_intent: intent.id,
          amount: intent.amount,
          amount_refunded: intent.amountRefunded,
          metadata: { [PAYMENT_ID_METADATA]: intent.paymentId },
        }),
      );
      if (mode === "timeout") throw new ProviderTimeoutError("local provider timed out");
      return { providerRefundId: refundId };
    },
    async idle() {
      while (timers.size > 0 || pending.size > 0) {
        await Promise.allSettled([...pending]);
        if (timers.size > 0) await new Promise((resolve) => setTimeout(resolve, options.outcomeDelayMs + 5));
      }
    },
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
