import Stripe from "stripe";

/** Signs only: no API calls are made with this client. */
const signer = new Stripe("sk_webhook_signing_only", { telemetry: false });

/** A `Stripe-Signature` header for `payload` (the local provider signs its webhooks like Stripe does). */
export function signWebhook(payload: string, secret: string, timestamp?: number): string {
  return signer.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp !== undefined && { timestamp }) });
}
