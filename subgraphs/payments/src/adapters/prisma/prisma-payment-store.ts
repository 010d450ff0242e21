import { randomUUID } from "node:crypto";
import { writeOutbox } from "@plaza/events";
import type { Shard, ShardRouter } from "@plaza/sharding";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Membership, MembershipStatus } from "../../domain/membership.ts";
import type { Payment, PaymentPurpose, PaymentStatus } from "../../domain/payment.ts";
import { compensationKey, type ClaimResult, type PaymentStore } from "../../application/ports/payment-store.port.ts";

type PaymentRow = {
  id: string;
  userId: string;
  amount: number;
  currency: string;
  purpose: string;
  status: string;
  refundedAmount: number;
  providerPaymentId: string | null;
  createdAt: Date;
  updatedAt: Date;
};

const toPayment = (row: PaymentRow): Payment => ({
  ...row,
  purpose: row.purpose as PaymentPurpose,
  status: row.status as PaymentStatus,
});

const toMembership = (row: {
  userId: string;
  tier: string;
  status: string;
  validUntil: Date;
  paymentId: string;
}): Membership => ({
  userId: row.userId,
  tier: row.tier,
  status: row.status as MembershipStatus,
  validUntil: row.validUntil,
  paymentId: row.paymentId,
});

export interface PrismaPaymentStoreDeps {
  shards: ShardRouter<Shard<PrismaClient>>;
  /** Called after a transaction that wrote outbox rows commits (wakes the relay). */
  onOutboxWrite?: () => void;
}

/** Interactive transactions wait on a payment's row lock; give queued ones room before Prisma gives up on them. */
const TX_OPTIONS = { maxWait: 10_000, timeout: 15_000 };

/**
 * Runs one task per key at a time in this process: concurrent changes to one payment (a webhook delivered 100 times
 * at once) queue here instead of each holding a pooled connection while waiting for the row lock.
 */
function createKeyedQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}

export function createPrismaPaymentStore({ shards, onOutboxWrite }: PrismaPaymentStoreDeps): PaymentStore {
  const queue = createKeyedQueue();
  async function updateOn(
    shard: Shard<PrismaClient>,
    paymentId: string,
    decide: Parameters<PaymentStore["update"]>[1],
    inbox?: { eventId: string; type: string },
  ): ReturnType<PaymentStore["update"]> {
    let wroteOutbox = false;
    const result = await shard.client.$transaction(async (tx) => {
      // The row lock serialises every change to one payment (webhooks, the mutation's answer, refunds).
      const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM payments WHERE id = ${paymentId} FOR UPDATE`;
      if (locked.length === 0) return { outcome: "missing" as const, payment: null };
      const payment = toPayment((await tx.payment.findUniqueOrThrow({ where: { id: paymentId } })) as PaymentRow);
      if (inbox) {
        const fresh = await tx.$executeRaw`
            INSERT INTO webhook_inbox (event_id, type, payment_id) VALUES (${inbox.eventId}, ${inbox.type}, ${paymentId})
            ON CONFLICT DO NOTHING`;
        if (fresh === 0) return { outcome: "duplicate" as const, payment };
      }
      const membershipRow = await tx.membership.findUnique({ where: { userId: payment.userId } });
      const change = decide(payment, membershipRow && toMembership(membershipRow));
      if (!change) return { outcome: "unchanged" as const, payment };
      const updatedAt = new Date();
      const updated = toPayment(
        (await tx.payment.update({
          where: { id: paymentId },
          data: {
            ...(change.status && { status: change.status }),
            ...(change.refundedAmount !== undefined && { refundedAmount: change.refundedAmount }),
            ...(change.providerPaymentId && { providerPaymentId: change.providerPaymentId }),
            updatedAt,
          },
        })) as PaymentRow,
      );
      if (change.ledger) {
        const txId = randomUUID();
        await tx.ledgerEntry.createMany({
          data: change.ledger.lines.map((line) => ({
            txId,
            paymentId,
            kind: change.ledger!.kind,
            account: line.account,
            currency: line.currency,
            amount: line.amount,
          })),
        });
        // The database checks balance at COMMIT; checking now as well makes a violation fail this statement on
        // every driver (pglite-prisma-adapter 0.x swallows errors raised by COMMIT itself).
        await tx.$executeRawUnsafe('SET CONSTRAINTS "ledger_entries_balanced" IMMEDIATE');
      }
      if (change.membership) {
        const m = change.membership;
        const data = { tier: m.tier, status: m.status, validUntil: m.validUntil, paymentId: m.paymentId, updatedAt };
        await tx.membership.upsert({ where: { userId: m.userId }, create: { userId: m.userId, ...data }, update: data });
      }
      if (change.openCompensation) {
        // Never expires: the compensation must finish however long the provider stays away.
        await tx.$executeRaw`
          INSERT INTO idempotency_keys (user_id, operation, key, fingerprint, payment_id, created_at, expires_at)
          VALUES (${change.openCompensation.userId}, 'refund', ${compensationKey(paymentId)}, 'compensation', ${paymentId},
                  ${updatedAt}, ${new Date("9999-12-31T00:00:00Z")})
          ON CONFLICT DO NOTHING`;
      }
      if (change.completeKey) {
        await tx.idempotencyKey.updateMany({
          where: { ...change.completeKey, completedAt: null },
          data: { completedAt: updatedAt },
        });
      }
      const events = change.events(updated);
      if (events.length) {
        await writeOutbox(tx, events);
        wroteOutbox = true;
      }
      return { outcome: "applied" as const, payment: updated };
    }, TX_OPTIONS);
    if (wroteOutbox) onOutboxWrite?.();
    return result;
  }

  const shardOf = (id: string) => {
    const shard = shards.forId(id);
    if (!shard) throw new Error(`not a routable id: ${id}`);
    return shard;
  };
  return {
    newPaymentId: (userId) => shards.newIdBeside(userId),

    async claimKey(claim): Promise<ClaimResult> {
      return shardOf(claim.paymentId).client.$transaction(async (tx) => {
        const at = claim.newPayment?.createdAt ?? new Date();
        // An expired key is forgotten: the request is new again (Stripe's semantics).
        await tx.idempotencyKey.deleteMany({
          where: { userId: claim.userId, operation: claim.operation, key: claim.key, expiresAt: { lte: at } },
        });
        // ON CONFLICT DO NOTHING: a concurrent claim of the same key waits for this one's commit, then sees its row.
        const inserted = await tx.$executeRaw`
          INSERT INTO idempotency_keys (user_id, operation, key, fingerprint, payment_id, created_at, expires_at)
          VALUES (${claim.userId}, ${claim.operation}, ${claim.key}, ${claim.fingerprint}, ${claim.paymentId}, ${at}, ${claim.expiresAt})
          ON CONFLICT DO NOTHING`;
        if (inserted === 1) {
          if (claim.newPayment) await tx.payment.create({ data: claim.newPayment });
          return { kind: "claimed", payment: claim.newPayment! } as ClaimResult;
        }
        const record = await tx.idempotencyKey.findUniqueOrThrow({
          where: { userId_operation_key: { userId: claim.userId, operation: claim.operation, key: claim.key } },
        });
        return {
          kind: "existing",
          record: {
            fingerprint: record.fingerprint,
            paymentId: record.paymentId,
            completed: record.completedAt !== null,
            createdAt: record.createdAt,
          },
        } as ClaimResult;
      });
    },

    async releaseClaim({ userId, operation, key, paymentId }) {
      await shardOf(paymentId).client.$transaction(async (tx) => {
        await tx.idempotencyKey.deleteMany({ where: { userId, operation, key, paymentId, completedAt: null } });
        if (operation === "create")
          await tx.payment.deleteMany({ where: { id: paymentId, status: "PENDING", providerPaymentId: null } });
      });
    },

    async findByIds(ids) {
      const rows = await shards.loadByIds(
        ids,
        (shard, shardIds) => shard.client.payment.findMany({ where: { id: { in: shardIds } } }),
        (row) => row.id,
      );
      return rows.map((row) => (row ? toPayment(row) : null));
    },

    async findIdByProviderPaymentId(providerPaymentId) {
      const found = await Promise.all(
        shards.all().map((shard) => shard.client.payment.findUnique({ where: { providerPaymentId }, select: { id: true } })),
      );
      return found.find((row) => row)?.id ?? null;
    },

    async listByUser(userId, first, after) {
      const shard = shards.forId(userId);
      if (!shard || first === 0) return { payments: [], hasNextPage: false };
      const rows = await shard.client.payment.findMany({
        where: {
          userId,
          ...(after && { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }),
        },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: first + 1,
      });
      return { payments: rows.slice(0, first).map(toPayment), hasNextPage: rows.length > first };
    },

    async membership(userId) {
      const shard = shards.forId(userId);
      if (!shard) return null;
      const row = await shard.client.membership.findUnique({ where: { userId } });
      return row && toMembership(row);
    },

    async update(paymentId, decide, inbox) {
      const shard = shards.forId(paymentId);
      if (!shard) return { outcome: "missing", payment: null };
      return queue(paymentId, () => updateOn(shard, paymentId, decide, inbox));
    },

    async openCompensations(before, limit) {
      const perShard = await Promise.all(
        shards.all().map((shard) =>
          shard.client.idempotencyKey.findMany({
            where: { operation: "refund", key: { startsWith: "compensate:" }, completedAt: null, createdAt: { lt: before } },
            select: { paymentId: true },
            take: limit,
          }),
        ),
      );
      return perShard.flat().map((row) => row.paymentId);
    },

    async stalePending(before, limit) {
      const perShard = await Promise.all(
        shards.all().map((shard) =>
          shard.client.payment.findMany({
            where: { status: "PENDING", updatedAt: { lt: before } },
            orderBy: { updatedAt: "asc" },
            take: limit,
          }),
        ),
      );
      return perShard
        .flat()
        .map((row) => toPayment(row))
        .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime())
        .slice(0, limit);
    },
  };
}
