import type { OutboxEvents } from "@plaza/events/contracts";
import type { LedgerLine } from "../../domain/ledger.ts";
import type { Membership } from "../../domain/membership.ts";
import type { Payment, PaymentStatus } from "../../domain/payment.ts";

export type KeyOperation = "create" | "refund";

/** The `refund` key that records a compensation's intent and completion (one per payment). */
export const compensationKey = (paymentId: string) => `compensate:${paymentId}`;

export interface IdempotencyRecord {
  fingerprint: string;
  paymentId: string;
  completed: boolean;
  createdAt: Date;
}

export type ClaimResult = { kind: "claimed"; payment: Payment } | { kind: "existing"; record: IdempotencyRecord };

/** A change to one payment, decided by the application from the payment as it is inside the transaction. */
export interface PaymentChange {
  status?: PaymentStatus;
  refundedAmount?: number;
  providerPaymentId?: string;
  ledger?: { kind: "charge" | "refund"; lines: LedgerLine[] };
  membership?: Membership;
  /** Marks this idempotency key completed in the same transaction (refunds). */
  completeKey?: { userId: string; operation: KeyOperation; key: string };
  /**
   * The payment succeeded at the provider but what it buys cannot be delivered: records, in the same transaction,
   * the durable intent to refund it (a `refund` key `compensate:<payment id>` without completion), which the
   * compensation completes and reconciliation retries until it does.
   */
  openCompensation?: { userId: string };
  events: OutboxEvents<Payment>;
}

export interface PaymentPage {
  payments: Payment[];
  hasNextPage: boolean;
}

export interface PaymentStore {
  /**
   * Claims (user, operation, key) durably: the first claim stores the fingerprint (and, for `create`, the new
   * pending payment) in one transaction; later claims get the stored record. Expired keys are forgotten first.
   */
  claimKey(claim: {
    userId: string;
    operation: KeyOperation;
    key: string;
    fingerprint: string;
    expiresAt: Date;
    paymentId: string;
    newPayment?: Payment;
  }): Promise<ClaimResult>;
  /** Forgets a claim whose request did nothing (the provider was unreachable), and its still-unanswered payment. */
  releaseClaim(claim: { userId: string; operation: KeyOperation; key: string; paymentId: string }): Promise<void>;
  newPaymentId(userId: string): string;
  findByIds(ids: readonly string[]): Promise<(Payment | null)[]>;
  /** The payment the provider knows by this id (one indexed query per shard: webhooks that carry no metadata). */
  findIdByProviderPaymentId(providerPaymentId: string): Promise<string | null>;
  listByUser(userId: string, first: number, after: { createdAt: Date; id: string } | null): Promise<PaymentPage>;
  membership(userId: string): Promise<Membership | null>;
  /**
   * Locks the payment, runs `decide` with it and the payer's membership, and writes what it returns — status,
   * ledger entries, membership, events, and the webhook's inbox row when `inboxEventId` is given — in one
   * transaction. `duplicate`: that webhook event was applied before; `unchanged`: `decide` returned null.
   */
  update(
    paymentId: string,
    decide: (payment: Payment, membership: Membership | null) => PaymentChange | null,
    inbox?: { eventId: string; type: string },
  ): Promise<{ outcome: "applied" | "unchanged" | "duplicate" | "missing"; payment: Payment | null }>;
  /** Payments with an open compensation (see `openCompensation`) opened before `before`. */
  openCompensations(before: Date, limit: number): Promise<string[]>;
  /** Pending payments last touched before `before` (reconciliation), oldest first. */
  stalePending(before: Date, limit: number): Promise<Payment[]>;
}
