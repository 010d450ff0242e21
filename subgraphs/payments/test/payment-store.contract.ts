import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestShards } from "@plaza/testkit";
import type { PrismaClient } from "../src/generated/prisma/client.ts";
import { createPrismaPaymentStore } from "../src/adapters/prisma/prisma-payment-store.ts";
import { checkLedger } from "../src/adapters/prisma/ledger-check.ts";
import { chargeLines } from "../src/domain/ledger.ts";
import type { Payment } from "../src/domain/payment.ts";
import type { PaymentStore } from "../src/application/ports/payment-store.port.ts";

/**
 * The payment store's guarantees, run against Postgres and PGlite alike: durable idempotency claims that one of any
 * number of concurrent requests wins, webhook events applied once, and a ledger the database keeps balanced.
 */
export function runPaymentStoreContract(name: string, open: () => Promise<TestShards<PrismaClient>>) {
  describe(`payment store (${name})`, () => {
    let shards: TestShards<PrismaClient>;
    let store: PaymentStore;
    let n = 0;
    const userId = () => shards.shards.router.newIdForKey(`user-${n++}`);
    const hour = () => new Date(Date.now() + 3_600_000);

    function newPayment(user: string): Payment {
      const at = new Date();
      return {
        id: store.newPaymentId(user),
        userId: user,
        amount: 500,
        currency: "EUR",
        purpose: "DONATION",
        status: "PENDING",
        refundedAmount: 0,
        providerPaymentId: null,
        createdAt: at,
        updatedAt: at,
      };
    }
    const claim = (user: string, key: string, payment: Payment, fingerprint = "f1", expiresAt = hour()) =>
      store.claimKey({
        userId: user,
        operation: "create",
        key,
        fingerprint,
        paymentId: payment.id,
        expiresAt,
        newPayment: payment,
      });

    beforeAll(async () => {
      shards = await open();
      store = createPrismaPaymentStore({ shards: shards.shards.router });
    });
    afterAll(async () => {
      await shards?.close();
    });

    it("claims a key once; later claims get the stored fingerprint and payment", async () => {
      const user = userId();
      const first = newPayment(user);
      expect(await claim(user, "k", first)).toMatchObject({ kind: "claimed", payment: { id: first.id } });
      const second = await claim(user, "k", newPayment(user), "f2");
      expect(second).toMatchObject({ kind: "existing", record: { fingerprint: "f1", paymentId: first.id, completed: false } });
      expect(await store.findByIds([first.id])).toMatchObject([{ id: first.id, status: "PENDING" }]);
    });

    it("20 concurrent claims of one key: exactly one wins, one payment row", async () => {
      const user = userId();
      const attempts = Array.from({ length: 20 }, () => newPayment(user));
      const results = await Promise.all(attempts.map((payment) => claim(user, "race", payment)));
      const winners = results.filter((result) => result.kind === "claimed");
      expect(winners).toHaveLength(1);
      const page = await store.listByUser(user, 50, null);
      expect(page.payments).toHaveLength(1);
    });

    it("forgets an expired key: the request is new again", async () => {
      const user = userId();
      const old = newPayment(user);
      await claim(user, "expiring", old, "f1", new Date(Date.now() - 1));
      const again = newPayment(user);
      expect(await claim(user, "expiring", again, "f2")).toMatchObject({ kind: "claimed", payment: { id: again.id } });
    });

    it("releases a claim whose provider call never happened (and its unanswered payment)", async () => {
      const user = userId();
      const payment = newPayment(user);
      await claim(user, "released", payment);
      await store.releaseClaim({ userId: user, operation: "create", key: "released", paymentId: payment.id });
      expect(await store.findByIds([payment.id])).toEqual([null]);
      expect((await claim(user, "released", newPayment(user))).kind).toBe("claimed");
    });

    it("applies one webhook event once, however many deliveries arrive together", async () => {
      const user = userId();
      const payment = newPayment(user);
      await claim(user, "hooked", payment);
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          store.update(
            payment.id,
            (current) =>
              current.status === "PENDING"
                ? {
                    status: "SUCCEEDED",
                    ledger: { kind: "charge", lines: chargeLines(current.amount, current.currency, current.purpose) },
                    events: () => [],
                  }
                : null,
            { eventId: "evt_once", type: "payment.succeeded" },
          ),
        ),
      );
      expect(results.filter((result) => result.outcome === "applied")).toHaveLength(1);
      expect(results.filter((result) => result.outcome === "duplicate")).toHaveLength(19);
      const report = await checkLedger(shards.shards.router);
      const entries = report.flatMap((shard) => shard.totals).reduce((sum, total) => sum + Number(total.entries), 0);
      expect(entries).toBe(2);
    });

    it("refuses to commit an unbalanced ledger transaction, and to change entries", async () => {
      const user = userId();
      const payment = newPayment(user);
      await claim(user, "ledger", payment);
      const shard = shards.shards.router.forId(payment.id)!;
      const unbalanced = [
        { txId: "t-unbalanced", paymentId: payment.id, kind: "charge", account: "a", currency: "EUR", amount: 100n },
        { txId: "t-unbalanced", paymentId: payment.id, kind: "charge", account: "b", currency: "EUR", amount: -99n },
      ];
      // Balanced in total but not per currency.
      const mixed = [
        { txId: "t-mixed", paymentId: payment.id, kind: "charge", account: "a", currency: "EUR", amount: 100n },
        { txId: "t-mixed", paymentId: payment.id, kind: "charge", account: "b", currency: "USD", amount: -100n },
      ];
      for (const rows of [unbalanced, mixed]) {
        // A writer that does nothing special: the check runs at COMMIT, which fails (on PGlite the adapter swallows
        // COMMIT's error, but nothing is committed either: the count below).
        await shard.client
          .$transaction(async (tx) => {
            for (const row of rows) await tx.ledgerEntry.create({ data: row });
          })
          .catch((err: unknown) => expect(String(err)).toMatch(/unbalanced/));
        // Checked before COMMIT, as the store does: refused on every driver.
        await expect(
          shard.client.$transaction(async (tx) => {
            await tx.ledgerEntry.createMany({ data: rows });
            await tx.$executeRawUnsafe('SET CONSTRAINTS "ledger_entries_balanced" IMMEDIATE');
          }),
        ).rejects.toThrow(/unbalanced/);
      }
      expect(await shard.client.ledgerEntry.count({ where: { paymentId: payment.id } })).toBe(0);
      await shard.client.ledgerEntry.createMany({
        data: [
          { txId: "t-ok", paymentId: payment.id, kind: "charge", account: "a", currency: "EUR", amount: 100n },
          { txId: "t-ok", paymentId: payment.id, kind: "charge", account: "b", currency: "EUR", amount: -100n },
        ],
      });
      await expect(shard.client.ledgerEntry.updateMany({ where: { txId: "t-ok" }, data: { amount: 5n } })).rejects.toThrow(
        /append-only/,
      );
      await expect(shard.client.ledgerEntry.deleteMany({ where: { txId: "t-ok" } })).rejects.toThrow(/append-only/);
      const report = await checkLedger(shards.shards.router);
      expect(report.every((s) => s.unbalanced.length === 0 && s.totals.every((t) => t.total === 0n))).toBe(true);
    });
  });
}
