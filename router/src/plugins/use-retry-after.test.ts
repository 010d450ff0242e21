import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { retryAfterHeaders, retryAfterSecondsOf } from "./use-retry-after.ts";

const limited = (retryAfterSeconds: unknown) =>
  new GraphQLError("Too many attempts", { extensions: { code: "RATE_LIMITED", retryAfterSeconds } });

describe("retryAfterSecondsOf", () => {
  it("takes the longest wait of the RATE_LIMITED errors", () => {
    expect(retryAfterSecondsOf({ errors: [limited(3), limited(40), limited(7)] })).toBe(40);
    expect(retryAfterSecondsOf([{ errors: [limited(3)] }, { data: {} }, { errors: [limited(9)] }])).toBe(9);
    expect(
      retryAfterSecondsOf({ errors: [{ message: "x", extensions: { code: "RATE_LIMITED", retryAfterSeconds: 2.2 } }] }),
    ).toBe(3);
  });

  it("ignores other errors and waits that are not numbers", () => {
    const other = new GraphQLError("no", { extensions: { code: "FORBIDDEN", retryAfterSeconds: 99 } });
    expect(retryAfterSecondsOf({ errors: [other] })).toBeUndefined();
    expect(retryAfterSecondsOf({ errors: [limited("5"), limited(-1), limited(Number.NaN), limited(undefined)] })).toBeUndefined();
    expect(retryAfterSecondsOf({ data: { a: 1 } })).toBeUndefined();
    expect(retryAfterSecondsOf(undefined)).toBeUndefined();
  });

  it("gives the header for lanes without yoga's hooks", () => {
    expect(retryAfterHeaders({ errors: [limited(12)] })).toEqual({ "retry-after": "12" });
    expect(retryAfterHeaders({ data: {} })).toEqual({});
  });
});
