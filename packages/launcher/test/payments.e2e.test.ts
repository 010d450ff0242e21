import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { waitFor } from "@plaza/testkit";
import { newSignUp, startTestStack, type TestStack } from "./test-stack.ts";
import { ledgerBalanced, signedWebhook } from "./payments-support.ts";

const SIGN_UP = "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }";
const CREATE =
  "mutation ($input: CreatePaymentInput!, $key: String!) { createPayment(input: $input, idempotencyKey: $key) { id amount currency purpose status refundedAmount user { id } } }";
const REFUND =
  "mutation ($id: ID!, $amount: Int, $key: String!) { refundPayment(id: $id, amount: $amount, idempotencyKey: $key) { id status refundedAmount } }";
const PAYMENT = "query ($id: ID!) { payment(id: $id) { id status refundedAmount amount } }";
const ME =
  "{ me { id membership { tier status validUntil } payments(first: 10) { edges { node { id status } } pageInfo { hasNextPage } } } }";

type Payment = { id: string; amount: number; currency: string; purpose: string; status: string; refundedAmount: number };

describe("payments through the router (Postgres shards, local provider, signed webhooks)", () => {
  let stack: TestStack;
  let alice: { token: string; id: string };
  let mallory: { token: string; id: string };
  let seq = 0;
  const key = () => `key-${Date.now().toString(36)}-${seq++}`;
  const membership = { amount: 999, currency: "USD", purpose: "MEMBERSHIP_MONTHLY" };

  async function signUp() {
    const result = await stack.gql<{ signUp: { token: string; user: { id: string } } }>(SIGN_UP, { input: newSignUp("payer") });
    expect(result.errors).toBeUndefined();
    return { token: result.data!.signUp.token, id: result.data!.signUp.user.id };
  }
  const create = (token: string | undefined, input: Record<string, unknown>, idempotencyKey: string) =>
    stack.gql<{ createPayment: Payment }>(CREATE, { input, key: idempotencyKey }, token);
  const payment = async (token: string, id: string) =>
    (await stack.gql<{ payment: Payment | null }>(PAYMENT, { id }, token)).data?.payment;
  const settled = (token: string, id: string) =>
    waitFor(
      async () => {
        const current = await payment(token, id);
        return current && current.status !== "PENDING" ? current : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 25, description: `payment ${id} settled by its webhook` },
    );
  const codeOf = (result: { errors?: Array<{ extensions?: { code?: string } }> }) => result.errors?.[0]?.extensions?.code;
  const provider = () => stack.payments.localProvider!;

  beforeAll(async () => {
    stack = await startTestStack();
    alice = await signUp();
    mallory = await signUp();
  });
  const clients: Client[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await stack?.stop();
  });

  function subscribe(token: string | undefined, id: string) {
    const client = createClient({
      url: stack.routerUrl.replace("http://", "ws://"),
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
    });
    clients.push(client);
    const sub = { events: [] as Array<{ data?: unknown; errors?: Array<{ extensions?: { code?: string } }> }>, ended: false };
    client.subscribe(
      {
        query: "subscription ($id: ID!) { paymentUpdated(id: $id) { id status refundedAmount user { id handle } } }",
        variables: { id },
      },
      {
        next: (value) => void sub.events.push(value as never),
        error: (err) => {
          sub.events.push({ errors: (Array.isArray(err) ? err : [err]) as never });
          sub.ended = true;
        },
        complete: () => void (sub.ended = true),
      },
    );
    return sub;
  }

  it("paymentUpdated through the router: the owner sees each change (with User fields from the users subgraph); others are refused", async () => {
    const paid = (await create(alice.token, { ...membership, purpose: "DONATION", amount: 5000 }, key())).data!.createPayment;
    await settled(alice.token, paid.id);
    const mine = subscribe(alice.token, paid.id);
    const theirs = subscribe(mallory.token, paid.id);
    const anonymous = subscribe(undefined, paid.id);
    // The upstream subscription opens asynchronously: refund a cent at a time until the owner hears of one.
    await waitFor(
      async () => {
        if (mine.events.length > 0) return true;
        await stack.gql(REFUND, { id: paid.id, amount: 1, key: key() }, alice.token);
        return mine.events.length > 0;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: "a paymentUpdated event" },
    );
    expect(mine.events[0]).toMatchObject({
      data: { paymentUpdated: { id: paid.id, status: "PARTIALLY_REFUNDED", user: { id: alice.id, handle: expect.any(String) } } },
    });
    await waitFor(() => theirs.events.length > 0 && anonymous.events.length > 0, { timeoutMs: 10_000 });
    expect(theirs.events.flatMap((event) => event.errors ?? []).map((e) => e.extensions?.code)).toContain("FORBIDDEN");
    expect(anonymous.events.flatMap((event) => event.errors ?? []).map((e) => e.extensions?.code)).toContain("UNAUTHENTICATED");
    expect(theirs.events.some((event) => event.data)).toBe(false);
  });

  it("a membership payment succeeds by webhook and activates User.membership; ledger balanced", async () => {
    const created = await create(alice.token, membership, key());
    expect(created.errors).toBeUndefined();
    expect(created.data!.createPayment).toMatchObject({
      ...membership,
      status: "PENDING",
      refundedAmount: 0,
      user: { id: alice.id },
    });
    const done = await settled(alice.token, created.data!.createPayment.id);
    expect(done.status).toBe("SUCCEEDED");
    const me = await stack.gql<{ me: { membership: { tier: string; status: string; validUntil: string } } }>(ME, {}, alice.token);
    expect(me.errors).toBeUndefined();
    expect(me.data!.me.membership).toMatchObject({ tier: "PLUS", status: "ACTIVE" });
    expect(new Date(me.data!.me.membership.validUntil).getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);
    expect(await ledgerBalanced(stack)).toBe(true);
  });

  it("anonymous callers get UNAUTHENTICATED and nothing is charged", async () => {
    const before = provider().calls.create;
    expect(codeOf(await create(undefined, membership, key()))).toBe("UNAUTHENTICATED");
    expect(codeOf(await stack.gql(REFUND, { id: "x", key: key() }))).toBe("UNAUTHENTICATED");
    expect(provider().calls.create).toBe(before);
  });

  it.each([
    ["zero amount", { ...membership, amount: 0 }],
    ["negative amount", { ...membership, amount: -5 }],
    ["amount over the maximum", { ...membership, amount: 1_000_001 }],
    ["non-integer amount", { ...membership, amount: 9.5 }],
    ["unknown currency", { ...membership, currency: "XXX" }],
    ["malformed currency", { ...membership, currency: "us\u0000" }],
    ["unknown purpose", { ...membership, purpose: "BITCOIN" }],
  ])("%s → BAD_USER_INPUT, no provider call", async (_name, input) => {
    const before = provider().calls.create;
    const result = await create(alice.token, input, key());
    expect(result.data ?? null).toBeNull();
    expect(codeOf(result)).toBe("BAD_USER_INPUT");
    expect(provider().calls.create).toBe(before);
  });

  it.each([
    ["empty", ""],
    ["too long", "k".repeat(256)],
    ["control characters", "key\u0000\u0007"],
    ["spaces", "a key"],
  ])("an idempotency key that is %s → BAD_USER_INPUT", async (_name, idempotencyKey) => {
    expect(codeOf(await create(alice.token, membership, idempotencyKey))).toBe("BAD_USER_INPUT");
  });

  it("the same key and input returns the same payment as it is now; another input with it: IDEMPOTENCY_KEY_REUSED", async () => {
    const k = key();
    const first = (await create(alice.token, { ...membership, purpose: "DONATION" }, k)).data!.createPayment;
    await settled(alice.token, first.id);
    const again = await create(alice.token, { ...membership, purpose: "DONATION" }, k);
    expect(again.data!.createPayment).toMatchObject({ id: first.id, status: "SUCCEEDED" });
    const reused = await create(alice.token, { ...membership, amount: 1000, purpose: "DONATION" }, k);
    expect(codeOf(reused)).toBe("IDEMPOTENCY_KEY_REUSED");
    // Keys are per user: the same key is a new payment for someone else.
    const other = await create(mallory.token, { ...membership, purpose: "DONATION" }, k);
    expect(other.errors).toBeUndefined();
    expect(other.data!.createPayment.id).not.toBe(first.id);
  });

  it("50 concurrent createPayment with one key: one provider call, 50 identical answers", async () => {
    const k = key();
    const before = provider().calls.create;
    const results = await Promise.all(
      Array.from({ length: 50 }, () => create(alice.token, { ...membership, purpose: "DONATION" }, k)),
    );
    for (const result of results) expect(result.errors).toBeUndefined();
    const ids = new Set(results.map((result) => result.data!.createPayment.id));
    expect(ids.size).toBe(1);
    expect(provider().calls.create - before).toBe(1);
    await settled(alice.token, [...ids][0]!);
    expect(await ledgerBalanced(stack)).toBe(true);
  });

  it("another user's payment is null to them, and refunding it is FORBIDDEN", async () => {
    const mine = (await create(alice.token, { ...membership, purpose: "DONATION" }, key())).data!.createPayment;
    await settled(alice.token, mine.id);
    expect(await payment(mallory.token, mine.id)).toBeNull();
    expect(codeOf(await stack.gql(REFUND, { id: mine.id, key: key() }, mallory.token))).toBe("FORBIDDEN");
    expect((await payment(alice.token, mine.id))!.refundedAmount).toBe(0);
  });

  it("refunds: partial, over the remainder (BAD_USER_INPUT), idempotent, full refund revokes the membership", async () => {
    const paid = (await create(alice.token, membership, key())).data!.createPayment;
    await settled(alice.token, paid.id);
    const k = key();
    const partial = await stack.gql<{ refundPayment: Payment }>(REFUND, { id: paid.id, amount: 300, key: k }, alice.token);
    expect(partial.data!.refundPayment).toMatchObject({ status: "PARTIALLY_REFUNDED", refundedAmount: 300 });
    const replay = await stack.gql<{ refundPayment: Payment }>(REFUND, { id: paid.id, amount: 300, key: k }, alice.token);
    expect(replay.data!.refundPayment).toMatchObject({ status: "PARTIALLY_REFUNDED", refundedAmount: 300 });
    expect(codeOf(await stack.gql(REFUND, { id: paid.id, amount: 301, key: k }, alice.token))).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(codeOf(await stack.gql(REFUND, { id: paid.id, amount: 700, key: key() }, alice.token))).toBe("BAD_USER_INPUT");
    expect(codeOf(await stack.gql(REFUND, { id: paid.id, amount: 0, key: key() }, alice.token))).toBe("BAD_USER_INPUT");
    const full = await stack.gql<{ refundPayment: Payment }>(REFUND, { id: paid.id, key: key() }, alice.token);
    expect(full.data!.refundPayment).toMatchObject({ status: "REFUNDED", refundedAmount: 999 });
    // The provider's own charge.refunded webhooks arrive too: they change nothing more.
    await provider().idle();
    expect(await payment(alice.token, paid.id)).toMatchObject({ status: "REFUNDED", refundedAmount: 999 });
    const me = await stack.gql<{ me: { membership: { status: string } } }>(ME, {}, alice.token);
    expect(me.data!.me.membership.status).toBe("REVOKED");
    expect(await ledgerBalanced(stack)).toBe(true);
  });

  it("webhooks through the router: bad or stale signatures → 400 and no change; one event delivered 100 times → one effect", async () => {
    const paid = (await create(alice.token, { ...membership, purpose: "DONATION" }, key())).data!.createPayment;
    await settled(alice.token, paid.id);
    await provider().idle();
    const url = `http://127.0.0.1:${stack.routerPort}/webhooks/psp`;
    const refund = (id: string, total: number) => ({
      id,
      object: "event",
      type: "charge.refunded",
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: "ch_x", object: "charge", amount_refunded: total, metadata: { plaza_payment_id: paid.id } } },
    });
    const post = (body: string, signature: string) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature }, body });
    const secret = stack.env.PAYMENTS_WEBHOOK_SECRET!;

    const forged = JSON.stringify(refund("evt_forged", 999));
    expect((await post(forged, signedWebhook(forged, "whsec_not_the_secret_at_all"))).status).toBe(400);
    expect((await post(forged, "")).status).toBe(400);
    expect((await post(forged, "t=1,v1=deadbeef")).status).toBe(400);
    const stale = signedWebhook(forged, secret, Math.floor(Date.now() / 1000) - 3600);
    expect((await post(forged, stale)).status).toBe(400);
    // A valid signature over other bytes (the body re-encoded) does not verify either.
    expect((await post(JSON.stringify(JSON.parse(forged), null, 1), signedWebhook(forged, secret))).status).toBe(400);
    expect(await payment(alice.token, paid.id)).toMatchObject({ status: "SUCCEEDED", refundedAmount: 0 });

    const body = JSON.stringify(refund(`evt_dup_${key()}`, 100));
    const signature = signedWebhook(body, secret);
    const deliveries = await Promise.all(Array.from({ length: 100 }, () => post(body, signature)));
    expect(deliveries.every((response) => response.status === 200)).toBe(true);
    const outcomes = await Promise.all(
      deliveries.map(async (response) => ((await response.json()) as { outcome: string }).outcome),
    );
    expect(outcomes.filter((outcome) => outcome === "applied")).toHaveLength(1);
    expect(await payment(alice.token, paid.id)).toMatchObject({ status: "PARTIALLY_REFUNDED", refundedAmount: 100 });

    // Out of order: an old "succeeded" and a lower refund total never move it back.
    const late = JSON.stringify({
      id: `evt_late_${key()}`,
      object: "event",
      type: "payment_intent.payment_failed",
      created: 1,
      data: { object: { id: "pi_x", object: "payment_intent", metadata: { plaza_payment_id: paid.id } } },
    });
    expect((await post(late, signedWebhook(late, secret))).status).toBe(200);
    const lower = JSON.stringify(refund(`evt_lower_${key()}`, 50));
    expect((await post(lower, signedWebhook(lower, secret))).status).toBe(200);
    const unknown = JSON.stringify({
      id: `evt_unknown_${key()}`,
      object: "event",
      type: "customer.created",
      data: { object: {} },
    });
    const ignored = await post(unknown, signedWebhook(unknown, secret));
    expect(ignored.status).toBe(200);
    expect(await ignored.json()).toMatchObject({ outcome: "ignored" });
    expect(await payment(alice.token, paid.id)).toMatchObject({ status: "PARTIALLY_REFUNDED", refundedAmount: 100 });
    expect(await ledgerBalanced(stack)).toBe(true);
  });

  it("provider down → a clear error, no payment, no ledger entries; the same key works once it is back", async () => {
    const k = key();
    provider().setMode("down");
    try {
      const result = await create(alice.token, { ...membership, purpose: "DONATION", amount: 4321 }, k);
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.[0]?.extensions).toMatchObject({ reason: "PAYMENT_PROVIDER_UNAVAILABLE", retryable: true });
      expect(result.errors?.[0]?.message).toMatch(/unavailable/);
    } finally {
      provider().setMode("ok");
    }
    const charged = provider().charged;
    const retried = await create(alice.token, { ...membership, purpose: "DONATION", amount: 4321 }, k);
    expect(retried.errors).toBeUndefined();
    expect(provider().charged).toBe(charged + 1);
    expect((await settled(alice.token, retried.data!.createPayment.id)).status).toBe("SUCCEEDED");
    expect(await ledgerBalanced(stack)).toBe(true);
  });

  it("provider timing out after charging → pending, reconciled later with the same key: charged once", async () => {
    const k = key();
    const charged = provider().charged;
    provider().setMode("timeout");
    let id: string;
    try {
      const result = await create(alice.token, { ...membership, purpose: "DONATION", amount: 2222 }, k);
      expect(result.errors).toBeUndefined();
      expect(result.data!.createPayment.status).toBe("PENDING");
      id = result.data!.createPayment.id;
    } finally {
      provider().setMode("ok");
    }
    // The provider's webhook settles it, and reconciliation asks again with the same key: still one charge.
    await stack.payments.payments.reconcile(0);
    expect((await settled(alice.token, id)).status).toBe("SUCCEEDED");
    expect(provider().charged).toBe(charged + 1);
    const again = await create(alice.token, { ...membership, purpose: "DONATION", amount: 2222 }, k);
    expect(again.data!.createPayment).toMatchObject({ id, status: "SUCCEEDED" });
    expect(provider().charged).toBe(charged + 1);
    expect(await ledgerBalanced(stack)).toBe(true);
  });

  it("membership saga: a purchase that cannot be delivered after the charge is refunded through the provider (compensation)", async () => {
    const buyer = await signUp();
    const yearly = { ...membership, amount: 9900, purpose: "MEMBERSHIP_YEARLY" };
    const first = (await create(buyer.token, yearly, key())).data!.createPayment;
    expect((await settled(buyer.token, first.id)).status).toBe("SUCCEEDED");
    const before = await stack.gql<{ me: { membership: { validUntil: string } } }>(ME, {}, buyer.token);
    const refunds = provider().calls.refund;
    // A second year would run beyond PAYMENTS_MEMBERSHIP_MAX_DAYS_AHEAD (400 days): charged, then compensated.
    const second = (await create(buyer.token, yearly, key())).data!.createPayment;
    const done = await waitFor(
      async () => {
        const current = await payment(buyer.token, second.id);
        return current?.status === "REFUNDED" ? current : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 25, description: "compensated payment" },
    );
    expect(done).toMatchObject({ status: "REFUNDED", refundedAmount: 9900 });
    expect(provider().calls.refund).toBe(refunds + 1);
    const after = await stack.gql<{ me: { membership: { status: string; validUntil: string } } }>(ME, {}, buyer.token);
    expect(after.data!.me.membership).toMatchObject({ status: "ACTIVE", validUntil: before.data!.me.membership.validUntil });
    await provider().idle();
    expect(await payment(buyer.token, second.id)).toMatchObject({ status: "REFUNDED", refundedAmount: 9900 });
    expect(await ledgerBalanced(stack)).toBe(true);

    // Refunds failing when the compensation runs: charged, nothing delivered, the refund intent kept;
    // reconciliation finishes it once the provider takes refunds again.
    provider().setMode("refunds-down");
    let third: Payment;
    try {
      third = (await create(buyer.token, yearly, key())).data!.createPayment;
      expect((await settled(buyer.token, third.id)).status).toBe("SUCCEEDED");
      await provider().idle();
      expect(await payment(buyer.token, third.id)).toMatchObject({ status: "SUCCEEDED", refundedAmount: 0 });
    } finally {
      provider().setMode("ok");
    }
    await stack.payments.payments.reconcile(0);
    expect(await payment(buyer.token, third.id)).toMatchObject({ status: "REFUNDED", refundedAmount: 9900 });
    const latest = await stack.gql<{ me: { membership: { validUntil: string } } }>(ME, {}, buyer.token);
    expect(latest.data!.me.membership.validUntil).toBe(before.data!.me.membership.validUntil);
    expect(await ledgerBalanced(stack)).toBe(true);
  });

  it("declined payments (amounts ending in 402) fail, write no ledger entries and activate nothing", async () => {
    const buyer = await signUp();
    const declined = (await create(buyer.token, { ...membership, amount: 1402 }, key())).data!.createPayment;
    expect((await settled(buyer.token, declined.id)).status).toBe("FAILED");
    const me = await stack.gql<{ me: { membership: unknown; payments: { edges: unknown[] } } }>(ME, {}, buyer.token);
    expect(me.data!.me.membership).toBeNull();
    expect(me.data!.me.payments.edges).toHaveLength(1);
    expect(await ledgerBalanced(stack)).toBe(true);
  });
});
