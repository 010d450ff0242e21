import { createServer, request as httpRequest, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@plaza/kit";
import { PlazaError } from "@plaza/kit/domain-errors";
import { findFreePort, startStripeMock, type StripeMockHandle, type TestShards } from "@plaza/testkit";
import type { PrismaClient } from "../src/generated/prisma/client.ts";
import { createPayments, providerChargeKey, type Payments } from "../src/application/payments.ts";
import { createPrismaPaymentStore } from "../src/adapters/prisma/prisma-payment-store.ts";
import { checkLedger } from "../src/adapters/prisma/ledger-check.ts";
import { createStripeProvider, createStripeWebhookVerifier } from "../src/adapters/stripe/stripe-provider.ts";
import { signWebhook } from "../src/adapters/stripe/webhook-signature.ts";
import { openPaymentsTestShards } from "./support.ts";

/**
 * A proxy in front of stripe-mock that counts what reaches "the provider" and can hold requests back (a provider
 * that charged but whose answer never came).
 */
async function startCountingProxy(target: string) {
  const calls: Array<{ path: string; idempotencyKey: string | undefined }> = [];
  let stall = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      calls.push({ path: req.url ?? "", idempotencyKey: req.headers["idempotency-key"] as string | undefined });
      const forward = () => {
        const upstream = httpRequest(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on("error", () => res.destroy());
        upstream.end(Buffer.concat(chunks));
      };
      // Stalled: the request reached the provider (counted) but no answer comes back in time.
      if (stall) setTimeout(() => res.destroy(), 3_000);
      else forward();
    });
  });
  const port = await findFreePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    setStall: (value: boolean) => void (stall = value),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("Stripe adapter against stripe-mock (official SDK, real HTTP, real signatures)", () => {
  let mock: StripeMockHandle;
  let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
  let shards: TestShards<PrismaClient>;
  let payments: Payments;
  const secret = `whsec_${Math.random().toString(36).slice(2)}${Date.now()}`;
  const verify = createStripeWebhookVerifier({ secret, toleranceSeconds: 300 });
  const input = { amount: 1500, currency: "EUR", purpose: "MEMBERSHIP_YEARLY" };
  let n = 0;
  const newUser = () => shards.shards.router.newIdForKey(`stripe-user-${n++}`);
  const balanced = async () =>
    (await checkLedger(shards.shards.router)).every((s) => s.unbalanced.length === 0 && s.totals.every((t) => t.total === 0n));
  const webhook = (type: string, object: Record<string, unknown>) => {
    const body = JSON.stringify({ id: `evt_${n++}_${Date.now()}`, object: "event", type, created: 1, data: { object } });
    return verify(Buffer.from(body), signWebhook(body, secret));
  };

  function build(apiBase: string, timeoutMs = 2_000) {
    const store = createPrismaPaymentStore({ shards: shards.shards.router });
    return createPayments({
      store,
      provider: createStripeProvider({ secretKey: "sk_test_123", apiBase, timeoutMs, paymentMethod: "pm_card_visa" }),
      updates: { publish: () => undefined },
      limits: { maxAmount: 1_000_000, currencies: ["EUR", "USD"] },
      keyTtlMs: 3_600_000,
      inFlightMs: timeoutMs + 2_000,
      logger: createLogger({ service: "payments-test", level: "silent" }),
    });
  }

  beforeAll(async () => {
    mock = await startStripeMock();
    proxy = await startCountingProxy(mock.url);
    shards = await openPaymentsTestShards("postgres");
    payments = build(proxy.url);
  }, 600_000);
  afterAll(async () => {
    await proxy?.close();
    await mock?.stop();
    await shards?.close();
  });

  it("50 concurrent createPayment with one key: one PaymentIntent request carrying the payment's key, 50 identical answers", async () => {
    const user = newUser();
    const before = proxy.calls.length;
    const results = await Promise.all(Array.from({ length: 50 }, () => payments.create(user, input, "stripe-key-1")));
    expect(new Set(results.map((payment) => payment.id)).size).toBe(1);
    const intents = proxy.calls.slice(before).filter((call) => call.path.startsWith("/v1/payment_intents"));
    expect(intents).toHaveLength(1);
    expect(intents[0]!.idempotencyKey).toBe(providerChargeKey(results[0]!.id));
    // stripe-mock answers every confirmation with requires_payment_method: waiting for the customer, not final.
    expect(results[0]).toMatchObject({ status: "REQUIRES_ACTION", providerPaymentId: expect.stringMatching(/^pi_/) });
    await expect(payments.create(user, { ...input, amount: 1501 }, "stripe-key-1")).rejects.toMatchObject({
      code: "IDEMPOTENCY_KEY_REUSED",
    });
  });

  it("a signed payment_intent.succeeded settles it once; a refund goes through the SDK; the ledger stays balanced", async () => {
    const user = newUser();
    const created = await payments.create(user, input, "stripe-key-2");
    const succeeded = webhook("payment_intent.succeeded", {
      id: created.providerPaymentId,
      object: "payment_intent",
      metadata: { plaza_payment_id: created.id },
    });
    expect(await payments.handleEvent(succeeded)).toBe("applied");
    expect(await payments.handleEvent(succeeded)).toBe("duplicate");
    const late = webhook("payment_intent.payment_failed", {
      id: created.providerPaymentId,
      object: "payment_intent",
      metadata: { plaza_payment_id: created.id },
    });
    await payments.handleEvent(late);
    expect((await payments.findByIds([created.id]))[0]).toMatchObject({ status: "SUCCEEDED" });
    expect(await payments.membership(user)).toMatchObject({ status: "ACTIVE", tier: "PLUS" });
    const before = proxy.calls.length;
    const refunded = await payments.refund(user, created.id, 500, "refund-1");
    expect(refunded).toMatchObject({ status: "PARTIALLY_REFUNDED", refundedAmount: 500 });
    const refundCalls = proxy.calls.slice(before).filter((call) => call.path.startsWith("/v1/refunds"));
    expect(refundCalls).toHaveLength(1);
    expect(refundCalls[0]!.idempotencyKey).toMatch(/^plaza-refund-/);
    // A refund made in Stripe's dashboard: its charge carries no metadata of ours, only the PaymentIntent's id.
    const external = webhook("charge.refunded", {
      id: "ch_external",
      object: "charge",
      payment_intent: created.providerPaymentId,
      amount_refunded: 800,
    });
    expect(await payments.handleEvent(external)).toBe("applied");
    expect((await payments.findByIds([created.id]))[0]).toMatchObject({ status: "PARTIALLY_REFUNDED", refundedAmount: 800 });
    expect(await balanced()).toBe(true);
  });

  it("bad and stale signatures do not verify", () => {
    const body = JSON.stringify({ id: "evt_x", object: "event", type: "payment_intent.succeeded", data: { object: {} } });
    expect(() => verify(Buffer.from(body), signWebhook(body, "whsec_wrong_secret_value"))).toThrow();
    expect(() => verify(Buffer.from(body), signWebhook(body, secret, Math.floor(Date.now() / 1000) - 301))).toThrow();
    expect(() => verify(Buffer.from(body), undefined)).toThrow();
    expect(verify(Buffer.from(body), signWebhook(body, secret)).kind).toBe("payment.succeeded");
  });

  it("provider down: a clear error, no payment kept, no ledger entries; the same key works later", async () => {
    const closedPort = await findFreePort();
    const down = build(`http://127.0.0.1:${closedPort}`);
    const user = newUser();
    const error = await down.create(user, input, "down-key").catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PlazaError);
    expect((error as PlazaError).extensions).toMatchObject({ reason: "PAYMENT_PROVIDER_UNAVAILABLE" });
    expect((await payments.listByUser(user, 10, null)).payments).toHaveLength(0);
    expect(await balanced()).toBe(true);
    expect((await payments.create(user, input, "down-key")).status).toBe("REQUIRES_ACTION");
  });

  it("provider timing out: pending; reconciliation asks again with the same key", async () => {
    const user = newUser();
    proxy.setStall(true);
    let pendingId: string;
    try {
      const pending = await payments.create(user, input, "slow-key");
      expect(pending).toMatchObject({ status: "PENDING", providerPaymentId: null });
      pendingId = pending.id;
    } finally {
      proxy.setStall(false);
    }
    const before = proxy.calls.length;
    expect(await payments.reconcile(0)).toBeGreaterThanOrEqual(1);
    const retried = proxy.calls.slice(before).filter((call) => call.idempotencyKey === providerChargeKey(pendingId));
    expect(retried).toHaveLength(1);
    expect((await payments.findByIds([pendingId]))[0]).toMatchObject({ status: "REQUIRES_ACTION" });
  });
});
