import { createHash } from "node:crypto";
import type { EventEnvelope } from "@plaza/events/contracts";
import { forbidden, PlazaError } from "@plaza/kit/domain-errors";
import type { Logger } from "@plaza/kit";
import { chargeLines, refundLines } from "../domain/ledger.ts";
import { effectiveStatus, MEMBERSHIP_TIER, membershipPeriodEnd, type Membership } from "../domain/membership.ts";
import {
  canTransition,
  isMembershipPurpose,
  statusAfterRefund,
  validateIdempotencyKey,
  validatePaymentInput,
  validateRefundAmount,
  type Payment,
  type PaymentLimits,
} from "../domain/payment.ts";
import { membershipChanged, paymentFailed, paymentRefunded, paymentSucceeded } from "./payment-events.ts";
import {
  ProviderTimeoutError,
  ProviderUnavailableError,
  type PaymentProvider,
  type ProviderEvent,
  type ProviderPaymentStatus,
} from "./ports/payment-provider.port.ts";
import { compensationKey, type KeyOperation, type PaymentChange, type PaymentStore } from "./ports/payment-store.port.ts";
import { requireViewer } from "./viewer.ts";

export interface PaymentUpdates {
  /** Tells this instance's `paymentUpdated` subscribers about a payment as it now is. */
  publish(payment: Payment): void;
}

export interface PaymentsMetrics {
  providerCall(operation: "create" | "refund", outcome: string): void;
  webhook(outcome: string): void;
  idempotentReplay(): void;
}

export interface PaymentsDeps {
  store: PaymentStore;
  provider: PaymentProvider;
  updates: PaymentUpdates;
  limits: PaymentLimits;
  /** How long an idempotency key is remembered (PAYMENTS_IDEMPOTENCY_TTL_SECONDS). */
  keyTtlMs: number;
  /** How long a request waits for another one (another instance) holding the same key before taking over. */
  inFlightMs: number;
  /** Longest a membership may run ahead (PAYMENTS_MEMBERSHIP_MAX_DAYS_AHEAD): a purchase beyond it is refunded. */
  membershipMaxAheadMs?: number;
  logger: Logger;
  metrics?: PaymentsMetrics;
  now?: () => Date;
}

export type Payments = ReturnType<typeof createPayments>;

const fingerprintOf = (parts: unknown[]) => createHash("sha256").update(JSON.stringify(parts)).digest("hex");

/** The key the provider sees for a payment: bound to (user, key) durably, so every retry sends the same one. */
export const providerChargeKey = (paymentId: string) => `plaza-charge-${paymentId}`;
const providerRefundKey = (paymentId: string, userId: string, key: string) =>
  `plaza-refund-${paymentId}-${fingerprintOf([userId, key]).slice(0, 32)}`;

const unavailable = () =>
  new PlazaError(
    "INTERNAL_SERVER_ERROR",
    "The payment provider is unavailable: nothing was charged. Retry later with the same idempotencyKey.",
    { reason: "PAYMENT_PROVIDER_UNAVAILABLE", retryable: true },
  );

const keyReused = () =>
  new PlazaError("IDEMPOTENCY_KEY_REUSED", "This idempotencyKey was used with a different request", {
    field: "idempotencyKey",
  });

export function createPayments(deps: PaymentsDeps) {
  const { store, provider, updates, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** Concurrent requests with one key in this process share one execution (others in the database wait below). */
  const inFlight = new Map<string, Promise<{ fingerprint: string; payment: Payment }>>();

  function singleFlight(name: string, run: () => Promise<{ fingerprint: string; payment: Payment }>) {
    let flight = inFlight.get(name);
    if (!flight) {
      flight = run().finally(() => inFlight.delete(name));
      inFlight.set(name, flight);
    }
    return flight;
  }

  async function update(
    paymentId: string,
    decide: Parameters<PaymentStore["update"]>[1],
    inbox?: { eventId: string; type: string },
  ) {
    let compensating = false;
    const result = await store.update(
      paymentId,
      (payment, membership) => {
        const change = decide(payment, membership);
        compensating = Boolean(change?.openCompensation);
        return change;
      },
      inbox,
    );
    if (result.outcome === "applied" && result.payment) updates.publish(result.payment);
    if (compensating && result.outcome === "applied") {
      // After the commit that recorded the intent; a failure here is retried by reconciliation.
      await compensate(paymentId).catch((err: unknown) =>
        logger.warn({ err, paymentId }, "compensation refund failed; reconciliation retries it"),
      );
      return { ...result, payment: (await store.findByIds([paymentId]))[0] ?? result.payment };
    }
    return result;
  }

  /**
   * The saga's compensation: refunds a charge whose purchase could not be delivered, through the provider with its
   * own idempotency key, and records the refund (ledger, status, PaymentRefunded with reason "compensation").
   */
  async function compensate(paymentId: string): Promise<void> {
    const [payment] = await store.findByIds([paymentId]);
    if (!payment || !payment.providerPaymentId) return;
    const amount = payment.amount - payment.refundedAmount;
    const completeKey = { userId: payment.userId, operation: "refund" as KeyOperation, key: compensationKey(paymentId) };
    if (amount > 0) {
      await provider.refund({
        paymentId,
        providerPaymentId: payment.providerPaymentId,
        amount,
        idempotencyKey: `plaza-compensate-${paymentId}`,
      });
      deps.metrics?.providerCall("refund", "compensation");
    }
    const result = await store.update(paymentId, (current, membership) => {
      const change = refundChange(current, membership, amount, "compensation");
      return change ? { ...change, completeKey } : { completeKey, events: () => [] };
    });
    if (result.outcome === "applied" && result.payment) updates.publish(result.payment);
  }

  /** The change that moves `payment` to `status` as the provider reported it, with every effect of that move. */
  function transition(
    payment: Payment,
    membership: Membership | null,
    status: ProviderPaymentStatus,
    providerPaymentId?: string,
  ) {
    const at = now();
    const idChange = providerPaymentId && !payment.providerPaymentId ? { providerPaymentId } : {};
    if (!canTransition(payment.status, status)) return Object.keys(idChange).length ? { ...idChange, events: () => [] } : null;
    const change: PaymentChange = { ...idChange, status, events: () => [] };
    if (status === "SUCCEEDED") {
      change.ledger = { kind: "charge", lines: chargeLines(payment.amount, payment.currency, payment.purpose) };
      let activated: Membership | undefined;
      if (isMembershipPurpose(payment.purpose)) {
        // Renewals stack: a period bought while one is still valid starts when it ends.
        const active = membership && effectiveStatus(membership, at) === "ACTIVE" ? membership.validUntil : at;
        const validUntil = membershipPeriodEnd(payment.purpose, active);
        if (validUntil.getTime() - at.getTime() > (deps.membershipMaxAheadMs ?? Number.POSITIVE_INFINITY)) {
          // Charged, but the membership cannot be extended that far: the saga's compensation refunds it.
          change.openCompensation = { userId: payment.userId };
        } else {
          activated = { userId: payment.userId, tier: MEMBERSHIP_TIER, status: "ACTIVE", validUntil, paymentId: payment.id };
          change.membership = activated;
        }
      }
      change.events = (p) => [paymentSucceeded(p), ...(activated ? [membershipChanged(activated, at)] : [])];
    } else if (status === "FAILED") {
      change.events = (p) => [paymentFailed(p)];
    }
    return change;
  }

  /** The change of a refund of `amount` (requested or compensating), with its ledger entries and membership effect. */
  function refundChange(
    payment: Payment,
    membership: Membership | null,
    amount: number,
    reason: "requested" | "compensation",
  ): PaymentChange | null {
    const refundable = Math.min(amount, payment.amount - payment.refundedAmount);
    if (refundable <= 0) return null;
    const refundedAmount = payment.refundedAmount + refundable;
    const status = statusAfterRefund(payment.amount, refundedAmount);
    const at = now();
    let revoked: Membership | undefined;
    // A full refund takes back what the payment bought.
    if (status === "REFUNDED" && isMembershipPurpose(payment.purpose) && membership?.paymentId === payment.id) {
      revoked = { ...membership, status: "REVOKED" };
    }
    return {
      status,
      refundedAmount,
      ledger: { kind: "refund", lines: refundLines(refundable, payment.currency, payment.purpose) },
      ...(revoked ? { membership: revoked } : {}),
      events: (p): EventEnvelope[] => [
        paymentRefunded(p, refundable, reason),
        ...(revoked ? [membershipChanged(revoked, at)] : []),
      ],
    };
  }

  /** Asks the provider to charge (same provider key on every attempt) and records its answer. */
  async function charge(payment: Payment, key: { userId: string; key: string } | null): Promise<Payment> {
    let answer;
    try {
      answer = await provider.createPayment({
        paymentId: payment.id,
        userId: payment.userId,
        amount: payment.amount,
        currency: payment.currency,
        purpose: payment.purpose,
        idempotencyKey: providerChargeKey(payment.id),
      });
      deps.metrics?.providerCall("create", answer.status.toLowerCase());
    } catch (err) {
      if (err instanceof ProviderTimeoutError) {
        // The provider may have charged: the payment stays pending and is reconciled with the same key.
        deps.metrics?.providerCall("create", "timeout");
        logger.warn({ paymentId: payment.id }, "payment provider timed out; payment left pending for reconciliation");
        return payment;
      }
      if (err instanceof ProviderUnavailableError) {
        // Nothing happened at the provider: forget the attempt, so the same key may be retried.
        deps.metrics?.providerCall("create", "unavailable");
        if (!key) throw err; // reconciliation: the payment stays pending for the next round
        await store.releaseClaim({ userId: key.userId, operation: "create", key: key.key, paymentId: payment.id });
        throw unavailable();
      }
      throw err;
    }
    const result = await update(payment.id, (current, membership) =>
      transition(current, membership, answer.status, answer.providerPaymentId),
    );
    return result.payment ?? payment;
  }

  async function waitForOther(paymentId: string, since: Date): Promise<Payment | null> {
    // Another instance holds the key and is talking to the provider: wait for its answer, then take over.
    while (now().getTime() - since.getTime() < deps.inFlightMs) {
      const [payment] = await store.findByIds([paymentId]);
      if (!payment || payment.providerPaymentId || payment.status !== "PENDING") return payment ?? null;
      await sleep(50);
    }
    const [payment] = await store.findByIds([paymentId]);
    return payment ?? null;
  }

  return {
    async create(viewerId: string | null, rawInput: { amount: unknown; currency: unknown; purpose: unknown }, rawKey: unknown) {
      const userId = requireViewer(viewerId);
      const key = validateIdempotencyKey(rawKey);
      const input = validatePaymentInput(rawInput, deps.limits);
      const fingerprint = fingerprintOf(["create", input.amount, input.currency, input.purpose]);
      const result = await singleFlight(`create:${userId}:${key}`, async () => {
        const at = now();
        const paymentId = store.newPaymentId(userId);
        const fresh: Payment = {
          id: paymentId,
          userId,
          ...input,
          status: "PENDING",
          refundedAmount: 0,
          providerPaymentId: null,
          createdAt: at,
          updatedAt: at,
        };
        const claim = await store.claimKey({
          userId,
          operation: "create",
          key,
          fingerprint,
          paymentId,
          expiresAt: new Date(at.getTime() + deps.keyTtlMs),
          newPayment: fresh,
        });
        if (claim.kind === "claimed") return { fingerprint, payment: await charge(claim.payment, { userId, key }) };
        deps.metrics?.idempotentReplay();
        const { record } = claim;
        if (record.fingerprint !== fingerprint) return { fingerprint: record.fingerprint, payment: fresh };
        let [payment] = await store.findByIds([record.paymentId]);
        if (payment && payment.status === "PENDING" && !payment.providerPaymentId) {
          payment = (await waitForOther(payment.id, record.createdAt)) ?? payment;
          // Still no answer recorded: that request died between claiming and recording. Retrying with the same
          // provider key charges at most once.
          if (payment.status === "PENDING" && !payment.providerPaymentId) payment = await charge(payment, { userId, key });
        }
        if (!payment) throw new Error(`idempotency key ${key} names a missing payment ${record.paymentId}`);
        return { fingerprint: record.fingerprint, payment };
      });
      if (result.fingerprint !== fingerprint) throw keyReused();
      return result.payment;
    },

    async refund(viewerId: string | null, paymentId: string, amount: number | null | undefined, rawKey: unknown) {
      const userId = requireViewer(viewerId);
      const key = validateIdempotencyKey(rawKey);
      const [payment] = await store.findByIds([paymentId]);
      if (!payment) throw new PlazaError("NOT_FOUND", "No such payment");
      if (payment.userId !== userId) throw forbidden("You can only refund your own payments");
      const fingerprint = fingerprintOf(["refund", paymentId, amount ?? null]);
      const result = await singleFlight(`refund:${userId}:${key}`, async () => {
        const at = now();
        const claim = await store.claimKey({
          userId,
          operation: "refund",
          key,
          fingerprint,
          paymentId,
          expiresAt: new Date(at.getTime() + deps.keyTtlMs),
        });
        if (claim.kind === "existing") {
          deps.metrics?.idempotentReplay();
          if (claim.record.fingerprint !== fingerprint || claim.record.completed) {
            const [current] = await store.findByIds([paymentId]);
            return { fingerprint: claim.record.fingerprint, payment: current ?? payment };
          }
          if (at.getTime() - claim.record.createdAt.getTime() < deps.inFlightMs) {
            await sleep(deps.inFlightMs - (at.getTime() - claim.record.createdAt.getTime()));
            const [current] = await store.findByIds([paymentId]);
            return { fingerprint, payment: current ?? payment };
          }
        }
        let value: number;
        try {
          value = validateRefundAmount(payment, amount);
        } catch (err) {
          await store.releaseClaim({ userId, operation: "refund", key, paymentId });
          throw err;
        }
        try {
          await provider.refund({
            paymentId,
            providerPaymentId: payment.providerPaymentId ?? "",
            amount: value,
            idempotencyKey: providerRefundKey(paymentId, userId, key),
          });
          deps.metrics?.providerCall("refund", "ok");
        } catch (err) {
          if (err instanceof ProviderUnavailableError) {
            deps.metrics?.providerCall("refund", "unavailable");
            await store.releaseClaim({ userId, operation: "refund", key, paymentId });
            throw unavailable();
          }
          throw err;
        }
        const completeKey = { userId, operation: "refund" as KeyOperation, key };
        const updated = await update(paymentId, (current, membership) => {
          const change = refundChange(current, membership, value, "requested");
          return change ? { ...change, completeKey } : null;
        });
        return { fingerprint, payment: updated.payment ?? payment };
      });
      if (result.fingerprint !== fingerprint) throw keyReused();
      return result.payment;
    },

    /** A verified provider webhook: applied once per event id, never moving a payment backwards. */
    async handleEvent(event: ProviderEvent): Promise<"applied" | "duplicate" | "ignored"> {
      // Objects the provider made without our metadata (a refund started in Stripe's dashboard: charges do not
      // inherit the PaymentIntent's metadata) are found by the provider's payment id.
      const paymentId =
        event.paymentId ??
        (event.kind !== "unknown" && event.providerPaymentId
          ? await store.findIdByProviderPaymentId(event.providerPaymentId)
          : null);
      if (event.kind === "unknown" || !paymentId) {
        deps.metrics?.webhook("ignored");
        return "ignored";
      }
      const inbox = { eventId: event.id, type: event.kind };
      const result = await update(
        paymentId,
        (payment, membership): PaymentChange | null => {
          const providerPaymentId = event.providerPaymentId ?? undefined;
          if (payment.providerPaymentId && providerPaymentId && payment.providerPaymentId !== providerPaymentId) return null;
          switch (event.kind) {
            case "payment.succeeded":
              return transition(payment, membership, "SUCCEEDED", providerPaymentId);
            case "payment.failed":
              return transition(payment, membership, "FAILED", providerPaymentId);
            case "payment.requires_action":
              return transition(payment, membership, "REQUIRES_ACTION", providerPaymentId);
            case "payment.refunded": {
              // The provider reports its running total: only the part we have not recorded yet is new.
              const total = event.amountRefunded ?? 0;
              if (total <= payment.refundedAmount) return null;
              return refundChange(payment, membership, total - payment.refundedAmount, "requested");
            }
          }
          return null;
        },
        inbox,
      );
      const outcome = result.outcome === "duplicate" ? "duplicate" : result.outcome === "missing" ? "ignored" : "applied";
      deps.metrics?.webhook(outcome);
      return outcome;
    },

    /** Retries pending payments nobody finished (provider timeouts, crashes) with their original provider key. */
    async reconcile(olderThanMs: number, limit = 100): Promise<number> {
      for (const paymentId of await store.openCompensations(new Date(now().getTime() - olderThanMs), limit)) {
        await compensate(paymentId).catch((err: unknown) =>
          logger.warn({ err, paymentId }, "compensation refund failed; retried next round"),
        );
      }
      const stale = await store.stalePending(new Date(now().getTime() - olderThanMs), limit);
      for (const payment of stale) {
        try {
          await charge(payment, null);
        } catch (err) {
          logger.warn({ err, paymentId: payment.id }, "reconciliation attempt failed; retried next round");
        }
      }
      return stale.length;
    },

    findByIds: (ids: readonly string[]) => store.findByIds(ids),
    listByUser: (userId: string, first: number, after: { createdAt: Date; id: string } | null) =>
      store.listByUser(userId, first, after),
    async membership(userId: string) {
      const membership = await store.membership(userId);
      return membership && { ...membership, status: effectiveStatus(membership, now()) };
    },
  };
}
