import { forbidden } from "@plaza/kit/domain-errors";
import type { Payment } from "../domain/payment.ts";
import type { PaymentUpdates } from "./payments.ts";

/** Updates a slow subscriber may have waiting (only the newest state matters, so older ones are dropped). */
const MAX_BUFFERED = 16;

/**
 * `Subscription.paymentUpdated` for the clients connected to this instance: every change this instance makes
 * (mutation answers, webhooks, reconciliation) and every payment event consumed from the bus (changes made by
 * other instances) is pushed to the subscribers of that payment.
 */
export function createLivePayments(deps: { findPayment(id: string): Promise<Payment | null> }) {
  const byPayment = new Map<string, Set<(payment: Payment) => void>>();
  let active = 0;

  const updates: PaymentUpdates = {
    publish(payment) {
      for (const push of byPayment.get(payment.id) ?? []) push(payment);
    },
  };

  return {
    updates,
    /** Number of open subscriptions (a gauge). */
    active: () => active,
    /** A payment changed elsewhere: reload it and tell its local subscribers. */
    async changedElsewhere(paymentId: string) {
      if (!byPayment.has(paymentId)) return;
      const payment = await deps.findPayment(paymentId);
      if (payment) updates.publish(payment);
    },

    /** The payment's updates until the client leaves or the token expires; only its owner may subscribe. */
    async subscribe(viewerId: string, paymentId: string, expiresAt?: number): Promise<AsyncIterableIterator<Payment>> {
      const payment = await deps.findPayment(paymentId);
      if (!payment || payment.userId !== viewerId) throw forbidden("You can only follow your own payments");
      const buffered: Payment[] = [];
      let wake: (() => void) | undefined;
      let done = false;
      let lastSeen = `${payment.status}:${payment.refundedAmount}:${payment.updatedAt.getTime()}`;
      const push = (next: Payment) => {
        const seen = `${next.status}:${next.refundedAmount}:${next.updatedAt.getTime()}`;
        if (seen === lastSeen) return; // the same state heard twice (local change and its bus event)
        lastSeen = seen;
        if (buffered.length >= MAX_BUFFERED) buffered.shift();
        buffered.push(next);
        wake?.();
      };
      const set = byPayment.get(paymentId) ?? new Set();
      set.add(push);
      byPayment.set(paymentId, set);
      active++;
      const finish = () => {
        if (done) return;
        done = true;
        active--;
        clearTimeout(expiry);
        set.delete(push);
        if (set.size === 0 && byPayment.get(paymentId) === set) byPayment.delete(paymentId);
        wake?.();
      };
      const expiry = expiresAt ? setTimeout(finish, Math.max(0, expiresAt * 1000 - Date.now())) : undefined;
      expiry?.unref();
      const iterator: AsyncIterableIterator<Payment> = {
        async next() {
          while (!done && buffered.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          const value = buffered.shift();
          return value ? { value, done: false } : { value: undefined, done: true };
        },
        async return() {
          finish();
          buffered.length = 0;
          return { value: undefined, done: true };
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },

    stop() {
      for (const set of byPayment.values()) set.clear();
      byPayment.clear();
    },
  };
}

export type LivePayments = ReturnType<typeof createLivePayments>;
