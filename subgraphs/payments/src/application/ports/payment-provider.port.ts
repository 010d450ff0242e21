import type { PaymentPurpose } from "../../domain/payment.ts";

/** What the provider says about a payment it was asked to make. */
export type ProviderPaymentStatus = "PENDING" | "REQUIRES_ACTION" | "SUCCEEDED" | "FAILED";

export interface ProviderPayment {
  providerPaymentId: string;
  status: ProviderPaymentStatus;
}

/**
 * A payment service provider (Stripe, or the local one of the embedded default). Every call carries an idempotency
 * key the provider honours: the same key never charges or refunds twice, whatever happened to our side in between.
 */
export interface PaymentProvider {
  readonly name: string;
  createPayment(request: {
    paymentId: string;
    userId: string;
    amount: number;
    currency: string;
    purpose: PaymentPurpose;
    idempotencyKey: string;
  }): Promise<ProviderPayment>;
  refund(request: { paymentId: string; providerPaymentId: string; amount: number; idempotencyKey: string }): Promise<{
    providerRefundId: string;
  }>;
}

/** The provider did not answer in time: it may or may not have acted (retry with the same key to find out). */
export class ProviderTimeoutError extends Error {
  override name = "ProviderTimeoutError";
}

/** The provider could not be reached or refused to act: nothing happened there. */
export class ProviderUnavailableError extends Error {
  override name = "ProviderUnavailableError";
}

/** A webhook event from the provider, verified and translated by the adapter that received it. */
export interface ProviderEvent {
  id: string;
  kind: "payment.succeeded" | "payment.failed" | "payment.requires_action" | "payment.refunded" | "unknown";
  /** Our payment id (the provider keeps it in the payment's metadata); null for payments that are not ours. */
  paymentId: string | null;
  providerPaymentId: string | null;
  /** payment.refunded: everything refunded so far (the provider's total, not this refund's amount). */
  amountRefunded?: number;
}
