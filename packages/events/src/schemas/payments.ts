import { z } from "zod";
import { defineEvent, type EventOf } from "../registry.ts";
import { Topics } from "../topics.ts";

const id = z.string().min(1);
const timestamp = z.iso.datetime({ offset: true });
const money = { amount: z.number().int().positive(), currency: z.string().length(3) };

/** Aggregate id: the payment's id (its bucket is the payer's). */
export const PaymentSucceeded = defineEvent(
  "PaymentSucceeded",
  1,
  Topics.payments,
  z.object({ paymentId: id, userId: id, ...money, purpose: z.string(), succeededAt: timestamp }),
);

/** Aggregate id: the payment's id. */
export const PaymentFailed = defineEvent(
  "PaymentFailed",
  1,
  Topics.payments,
  z.object({ paymentId: id, userId: id, ...money, purpose: z.string(), failedAt: timestamp }),
);

/** Aggregate id: the payment's id. `refundedAmount` is the total refunded so far; `amount` this refund's. */
export const PaymentRefunded = defineEvent(
  "PaymentRefunded",
  1,
  Topics.payments,
  z.object({
    paymentId: id,
    userId: id,
    ...money,
    refundedAmount: z.number().int().nonnegative(),
    reason: z.enum(["requested", "compensation"]),
    refundedAt: timestamp,
  }),
);

/** Aggregate id: the user's id (User.membership is evicted from caches by it). */
export const MembershipChanged = defineEvent(
  "MembershipChanged",
  1,
  Topics.payments,
  z.object({
    userId: id,
    tier: z.string(),
    status: z.enum(["ACTIVE", "REVOKED", "EXPIRED"]),
    validUntil: timestamp,
    paymentId: id,
    changedAt: timestamp,
  }),
);

export const paymentEvents = [PaymentSucceeded, PaymentFailed, PaymentRefunded, MembershipChanged] as const;

export type PaymentEvent = EventOf<(typeof paymentEvents)[number]>;
