import { createEvent, MembershipChanged, PaymentFailed, PaymentRefunded, PaymentSucceeded } from "@plaza/events/contracts";
import type { EventEnvelope } from "@plaza/events/contracts";
import type { Membership } from "../domain/membership.ts";
import type { Payment } from "../domain/payment.ts";

// The payments subgraph's events, decided here (application layer) and written by the store to the outbox in the
// transaction of the change they announce.

const money = (p: Payment) => ({ paymentId: p.id, userId: p.userId, amount: p.amount, currency: p.currency });

export const paymentSucceeded = (p: Payment): EventEnvelope =>
  createEvent(PaymentSucceeded, p.id, { ...money(p), purpose: p.purpose, succeededAt: p.updatedAt.toISOString() });

export const paymentFailed = (p: Payment): EventEnvelope =>
  createEvent(PaymentFailed, p.id, { ...money(p), purpose: p.purpose, failedAt: p.updatedAt.toISOString() });

export const paymentRefunded = (p: Payment, amount: number, reason: "requested" | "compensation"): EventEnvelope =>
  createEvent(PaymentRefunded, p.id, {
    ...money(p),
    amount,
    refundedAmount: p.refundedAmount,
    reason,
    refundedAt: p.updatedAt.toISOString(),
  });

export const membershipChanged = (m: Membership, at: Date): EventEnvelope =>
  createEvent(MembershipChanged, m.userId, {
    userId: m.userId,
    tier: m.tier,
    status: m.status,
    validUntil: m.validUntil.toISOString(),
    paymentId: m.paymentId,
    changedAt: at.toISOString(),
  });
