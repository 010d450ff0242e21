import { badUserInput } from "@plaza/kit/domain-errors";

export const PAYMENT_STATUSES = ["PENDING", "REQUIRES_ACTION", "SUCCEEDED", "FAILED", "PARTIALLY_REFUNDED", "REFUNDED"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const PAYMENT_PURPOSES = ["MEMBERSHIP_MONTHLY", "MEMBERSHIP_YEARLY", "DONATION"] as const;
export type PaymentPurpose = (typeof PAYMENT_PURPOSES)[number];

export interface Payment {
  id: string;
  userId: string;
  amount: number;
  currency: string;
  purpose: PaymentPurpose;
  status: PaymentStatus;
  refundedAmount: number;
  providerPaymentId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface PaymentInput {
  amount: number;
  currency: string;
  purpose: PaymentPurpose;
}

export interface PaymentLimits {
  /** Largest amount of one payment, in minor units. */
  maxAmount: number;
  /** ISO 4217 codes accepted (upper case). */
  currencies: readonly string[];
}

/**
 * Where a status may go next. Webhooks arrive late, twice and out of order: a transition not listed here is
 * ignored, so no event ever moves a payment backwards (a `payment_failed` after `succeeded`, a `processing` after
 * anything). FAILED may still become SUCCEEDED: a provider can succeed on a later attempt of the same intent.
 */
const NEXT: Record<PaymentStatus, readonly PaymentStatus[]> = {
  PENDING: ["REQUIRES_ACTION", "SUCCEEDED", "FAILED"],
  REQUIRES_ACTION: ["SUCCEEDED", "FAILED"],
  FAILED: ["SUCCEEDED"],
  SUCCEEDED: ["PARTIALLY_REFUNDED", "REFUNDED"],
  PARTIALLY_REFUNDED: ["PARTIALLY_REFUNDED", "REFUNDED"],
  REFUNDED: [],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return NEXT[from].includes(to);
}

/** The status after refunding `refundedAmount` in total. */
export function statusAfterRefund(amount: number, refundedAmount: number): PaymentStatus {
  return refundedAmount >= amount ? "REFUNDED" : "PARTIALLY_REFUNDED";
}

export function isMembershipPurpose(purpose: PaymentPurpose): boolean {
  return purpose === "MEMBERSHIP_MONTHLY" || purpose === "MEMBERSHIP_YEARLY";
}

/** Validates and normalizes a createPayment input (amounts in minor units, currency upper case). */
export function validatePaymentInput(
  input: { amount: unknown; currency: unknown; purpose: unknown },
  limits: PaymentLimits,
): PaymentInput {
  const { amount, currency, purpose } = input;
  if (typeof amount !== "number" || !Number.isSafeInteger(amount))
    throw badUserInput("amount", "amount must be an integer (minor units)");
  if (amount <= 0) throw badUserInput("amount", "amount must be positive");
  if (amount > limits.maxAmount) throw badUserInput("amount", `amount must be at most ${limits.maxAmount}`);
  const code = typeof currency === "string" ? currency.toUpperCase() : "";
  if (!/^[A-Z]{3}$/.test(code) || !limits.currencies.includes(code))
    throw badUserInput("currency", `currency must be one of ${limits.currencies.join(", ")}`);
  if (typeof purpose !== "string" || !(PAYMENT_PURPOSES as readonly string[]).includes(purpose))
    throw badUserInput("purpose", `purpose must be one of ${PAYMENT_PURPOSES.join(", ")}`);
  return { amount, currency: code, purpose: purpose as PaymentPurpose };
}

/** What a refund of `amount` may take: 1 up to what is left (all of it when `amount` is null). */
export function validateRefundAmount(payment: Payment, amount: number | null | undefined): number {
  const remaining = payment.amount - payment.refundedAmount;
  if (payment.status !== "SUCCEEDED" && payment.status !== "PARTIALLY_REFUNDED")
    throw badUserInput("id", `a ${payment.status.toLowerCase()} payment cannot be refunded`);
  const value = amount ?? remaining;
  if (!Number.isSafeInteger(value) || value <= 0) throw badUserInput("amount", "amount must be a positive integer (minor units)");
  if (value > remaining) throw badUserInput("amount", `amount must be at most the remaining ${remaining}`);
  return value;
}

/** Idempotency keys: printable ASCII, 1–255 characters (Stripe's limit). */
export function validateIdempotencyKey(key: unknown): string {
  if (typeof key !== "string" || key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key))
    throw badUserInput("idempotencyKey", "idempotencyKey must be 1 to 255 printable ASCII characters without spaces");
  return key;
}
