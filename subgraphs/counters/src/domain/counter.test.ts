import { describe, expect, it } from "vitest";
import { PlazaError } from "@plaza/kit/domain-errors";
import {
  assertIncrementable,
  counterKeyString,
  GRAPHQL_INT_MAX,
  parseCounterKeyString,
  toGraphQLCount,
  validateDelta,
  validateIdempotencyKey,
  validateResourceId,
} from "./counter.ts";

function codeOf(fn: () => unknown): { code: string; field: unknown } | "ok" {
  try {
    fn();
    return "ok";
  } catch (err) {
    if (err instanceof PlazaError) return { code: err.code, field: err.extensions.field };
    throw err;
  }
}

describe("counter domain", () => {
  it("round-trips counter key strings, resource ids with colons included", () => {
    const key = { resourceId: "post:01J:x", type: "VIEW" as const };
    expect(counterKeyString(key)).toBe("VIEW:post:01J:x");
    expect(parseCounterKeyString(counterKeyString(key))).toEqual(key);
    expect(() => parseCounterKeyString("NOPE:x")).toThrow();
  });

  it.each([
    ["zero", 0],
    ["negative (views and shares only go up)", -1],
    ["a fraction", 1.5],
    ["beyond COUNTER_MAX_DELTA", 101],
  ] as const)("rejects a delta that is %s with BAD_USER_INPUT on delta", (_, delta) => {
    expect(codeOf(() => validateDelta(delta, { maxDelta: 100 }))).toEqual({ code: "BAD_USER_INPUT", field: "delta" });
    expect(codeOf(() => validateDelta(delta === 101 ? 2 : delta, { maxDelta: 1 }))).toEqual({
      code: "BAD_USER_INPUT",
      field: "delta",
    });
  });

  it("accepts positive deltas within the bound", () => {
    expect(validateDelta(1, { maxDelta: 1 })).toBe(1);
    expect(validateDelta(100, { maxDelta: 100 })).toBe(100);
  });

  it("refuses LIKE in incrementCounter with FORBIDDEN: likes change through likePost/unlikePost", () => {
    expect(codeOf(() => assertIncrementable("LIKE"))).toEqual({ code: "FORBIDDEN", field: undefined });
    expect(assertIncrementable("VIEW")).toBe("VIEW");
    expect(assertIncrementable("SHARE")).toBe("SHARE");
  });

  it("bounds resource ids and idempotency keys", () => {
    expect(codeOf(() => validateResourceId(""))).toEqual({ code: "BAD_USER_INPUT", field: "resourceId" });
    expect(codeOf(() => validateResourceId("x".repeat(257)))).toEqual({ code: "BAD_USER_INPUT", field: "resourceId" });
    expect(codeOf(() => validateResourceId("", "postId"))).toEqual({ code: "BAD_USER_INPUT", field: "postId" });
    expect(validateIdempotencyKey(undefined)).toBeNull();
    expect(codeOf(() => validateIdempotencyKey(""))).toEqual({ code: "BAD_USER_INPUT", field: "idempotencyKey" });
  });

  it("reports 64-bit counts within GraphQL Int, never below zero", () => {
    expect(toGraphQLCount(42)).toBe(42);
    expect(toGraphQLCount(2 ** 40)).toBe(GRAPHQL_INT_MAX);
    expect(toGraphQLCount(-3)).toBe(0);
  });
});
