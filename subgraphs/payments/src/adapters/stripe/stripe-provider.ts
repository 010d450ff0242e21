import Stripe from "stripe";
import {
  ProviderTimeoutError,
  ProviderUnavailableError,
  type PaymentProvider,
  type ProviderEvent,
  type ProviderPaymentStatus,
} from "../../application/ports/payment-provider.port.ts";

/** Where our payment id travels in the provider's objects (and comes back in webhooks). */
export const PAYMENT_ID_METADATA = "plaza_payment_id";

/** Connection errors that prove the request never reached the provider. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

function statusOf(intent: Pick<Stripe.PaymentIntent, "status">): ProviderPaymentStatus {
  switch (intent.status) {
    case "succeeded":
      return "SUCCEEDED";
    case "canceled":
      return "FAILED";
    case "requires_action":
    case "requires_confirmation":
    case "requires_payment_method":
      // Waiting for the customer (authentication, another payment method): not final; a webhook settles it.
      return "REQUIRES_ACTION";
    default:
      return "PENDING"; // processing, requires_capture
  }
}

/** Maps the SDK's errors onto what the application must know: did anything happen at the provider? */
function translate(err: unknown): never {
  if (err instanceof Stripe.errors.StripeConnectionError) {
    const code = (err.detail as { code?: string } | undefined)?.code ?? "";
    if (NOT_SENT.has(code)) throw new ProviderUnavailableError(`Stripe unreachable (${code})`);
    throw new ProviderTimeoutError(`Stripe did not answer: ${err.message}`);
  }
  if (err instanceof Stripe.errors.StripeRateLimitError || err instanceof Stripe.errors.StripeAuthenticationError)
    throw new ProviderUnavailableError(`Stripe refused the request: ${err.message}`);
  // A 5xx leaves the outcome unknown (Stripe's own advice: retry with the same key).
  if (err instanceof Stripe.errors.StripeAPIError) throw new ProviderTimeoutError(`Stripe failed: ${err.message}`);
  throw err;
}

export interface StripeProviderOptions {
  secretKey: string;
  /** e.g. http://127.0.0.1:12111 for stripe-mock; unset: api.stripe.com. */
  apiBase?: string;
  timeoutMs: number;
  /** The payment method confirmed with each intent (server-side confirmation, as in Stripe's test mode). */
  paymentMethod: string;
}

export function createStripeClient(options: Pick<StripeProviderOptions, "secretKey" | "apiBase" | "timeoutMs">): Stripe {
  const base = options.apiBase ? new URL(options.apiBase) : undefined;
  return new Stripe(options.secretKey, {
    ...(base && {
      host: base.hostname,
      port: base.port || (base.protocol === "https:" ? 443 : 80),
      protocol: base.protocol.replace(":", "") as "http" | "https",
    }),
    timeout: options.timeoutMs,
    // Our own idempotency keys make retries safe; the application retries through reconciliation instead.
    maxNetworkRetries: 0,
    telemetry: false,
  });
}

export function createStripeProvider(options: StripeProviderOptions): PaymentProvider {
  const stripe = createStripeClient(options);
  return {
    name: "stripe",
    async createPayment(request) {
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: request.amount,
            currency: request.currency.toLowerCase(),
            confirm: true,
            payment_method: options.paymentMethod,
            automatic_payment_methods: { enabled: true, allow_redirects: "never" },
            metadata: { [PAYMENT_ID_METADATA]: request.paymentId, plaza_user_id: request.userId, plaza_purpose: request.purpose },
          },
          { idempotencyKey: request.idempotencyKey },
        );
        return { providerPaymentId: intent.id, status: statusOf(intent) };
      } catch (err) {
        if (err instanceof Stripe.errors.StripeCardError && err.payment_intent)
          return { providerPaymentId: err.payment_intent.id, status: "FAILED" };
        translate(err);
      }
    },
    async refund(request) {
      try {
        const refund = await stripe.refunds.create(
          {
            payment_intent: request.providerPaymentId,
            amount: request.amount,
            metadata: { [PAYMENT_ID_METADATA]: request.paymentId },
          },
          { idempotencyKey: request.idempotencyKey },
        );
        return { providerRefundId: refund.id };
      } catch (err) {
        translate(err);
      }
    },
  };
}

/**
 * Verifies a webhook with the SDK (`Stripe-Signature`: HMAC-SHA256 over "<timestamp>.<raw body>", timestamp within
 * `toleranceSeconds`) and translates it. Throws on a bad or stale signature.
 */
export function createStripeWebhookVerifier(options: { secret: string; toleranceSeconds: number }) {
  const stripe = new Stripe("sk_webhook_verification_only", { telemetry: false });
  return (rawBody: Buffer, signature: string | undefined): ProviderEvent => {
    const event = stripe.webhooks.constructEvent(rawBody, signature ?? "", options.secret, options.toleranceSeconds);
    return translateEvent(event);
  };
}

export function translateEvent(event: Stripe.Event): ProviderEvent {
  const object = event.data.object as unknown as {
    id?: string;
    object?: string;
    metadata?: Record<string, string>;
    payment_intent?: string | { id: string } | null;
    amount_refunded?: number;
  };
  const paymentId = object.metadata?.[PAYMENT_ID_METADATA] ?? null;
  const intentId =
    object.object === "payment_intent"
      ? (object.id ?? null)
      : typeof object.payment_intent === "string"
        ? object.payment_intent
        : (object.payment_intent?.id ?? null);
  const base = { id: event.id, paymentId, providerPaymentId: intentId };
  switch (event.type) {
    case "payment_intent.succeeded":
      return { ...base, kind: "payment.succeeded" };
    case "payment_intent.payment_failed":
    case "payment_intent.canceled":
      return { ...base, kind: "payment.failed" };
    case "payment_intent.requires_action":
      return { ...base, kind: "payment.requires_action" };
    case "charge.refunded":
      return { ...base, kind: "payment.refunded", amountRefunded: object.amount_refunded ?? 0 };
    default:
      return { ...base, kind: "unknown" };
  }
}
