import type { PaymentPurpose } from "./payment.ts";

export type MembershipStatus = "ACTIVE" | "REVOKED" | "EXPIRED";

export interface Membership {
  userId: string;
  tier: string;
  status: MembershipStatus;
  validUntil: Date;
  paymentId: string;
}

const DAY_MS = 24 * 3600 * 1000;

/** The period a membership payment buys, from `from` (or from the end of a still-valid period: renewals stack). */
export function membershipPeriodEnd(purpose: PaymentPurpose, from: Date): Date {
  const days = purpose === "MEMBERSHIP_YEARLY" ? 365 : 30;
  return new Date(from.getTime() + days * DAY_MS);
}

export const MEMBERSHIP_TIER = "PLUS";

/** What `User.membership` shows: ACTIVE only until its period ends. */
export function effectiveStatus(membership: Membership, now: Date): MembershipStatus {
  return membership.status === "ACTIVE" && membership.validUntil <= now ? "EXPIRED" : membership.status;
}
