import { describe, expect, it } from "vitest";
import { PlazaError } from "@plaza/kit/domain-errors";
import { chargeLines, isBalanced, refundLines } from "./ledger.ts";
import {
  canTransition,
  PAYMENT_STATUSES,
  validateIdempotencyKey,
  validatePaymentInput,
  validateRefundAmount,
  type Payment,
} from "./payment.ts";

const limits = { maxAmount: 1_000_000, currencies: ["USD", "EUR"] };
const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    return err instanceof PlazaError ? err.code : "OTHER";
  }
  return "OK";
};

describe("payment input", () => {
  it("accepts integer minor units in a known currency and purpose (currency case-insensitive)", () => {
    expect(validatePaymentInput({ amount: 999, currency: "usd", purpose: "DONATION" }, limits)).toEqual({
      amount: 999,
      currency: "USD",
      purpose: "DONATION",
    });
  });
  it.each([
    [{ amount: 0 }],
    [{ amount: -1 }],
    [{ amount: 1.5 }],
    [{ amount: Number.NaN }],
    [{ amount: "10" }],
    [{ amount: 1_000_001 }],
    [{ currency: "XXX" }],
    [{ currency: "US" }],
    [{ currency: "USD\u0000" }],
    [{ currency: 5 }],
    [{ purpose: "BITCOIN" }],
    [{ purpose: "__proto__" }],
  ])("refuses %o with BAD_USER_INPUT", (override) => {
    expect(codeOf(() => validatePaymentInput({ amount: 100, currency: "USD", purpose: "DONATION", ...override }, limits))).toBe(
      "BAD_USER_INPUT",
    );
  });
  it.each(["", "x".repeat(256), "a b", "ключ", "k\n"])("refuses the idempotency key %j", (key) => {
    expect(codeOf(() => validateIdempotencyKey(key))).toBe("BAD_USER_INPUT");
  });
});

describe("status state machine", () => {
  it("never moves a payment backwards", () => {
    expect(canTransition("SUCCEEDED", "FAILED")).toBe(false);
    expect(canTransition("SUCCEEDED", "PENDING")).toBe(false);
    expect(canTransition("REFUNDED", "SUCCEEDED")).toBe(false);
    expect(canTransition("PARTIALLY_REFUNDED", "SUCCEEDED")).toBe(false);
    expect(canTransition("REQUIRES_ACTION", "PENDING")).toBe(false);
    for (const status of PAYMENT_STATUSES) expect(canTransition(status, "PENDING")).toBe(false);
    expect(canTransition("PENDING", "SUCCEEDED")).toBe(true);
    expect(canTransition("FAILED", "SUCCEEDED")).toBe(true);
  });
});

describe("refund amounts", () => {
  const paid: Payment = {
    id: "p",
    userId: "u",
    amount: 1000,
    currency: "USD",
    purpose: "DONATION",
    status: "PARTIALLY_REFUNDED",
    refundedAmount: 400,
    providerPaymentId: "pi",
    createdAt: new Date(),
    updatedAt: new Date(),
  };
  it("defaults to what is left and refuses more", () => {
    expect(validateRefundAmount(paid, null)).toBe(600);
    expect(codeOf(() => validateRefundAmount(paid, 601))).toBe("BAD_USER_INPUT");
    expect(codeOf(() => validateRefundAmount(paid, 0))).toBe("BAD_USER_INPUT");
    expect(codeOf(() => validateRefundAmount({ ...paid, status: "PENDING" }, 1))).toBe("BAD_USER_INPUT");
  });
});

describe("ledger lines", () => {
  it("charges and refunds balance per currency", () => {
    expect(isBalanced(chargeLines(999, "USD", "DONATION"))).toBe(true);
    expect(isBalanced([...chargeLines(999, "USD", "DONATION"), ...refundLines(300, "USD", "DONATION")])).toBe(true);
    expect(
      isBalanced([
        { account: "a", currency: "USD", amount: 1n },
        { account: "b", currency: "EUR", amount: -1n },
      ]),
    ).toBe(false);
  });
});
