import { describe, expect, it } from "vitest";
import { publicFieldSet, subscriptionScope } from "./subscription-scope.ts";
import { stableStringify } from "./upstream-pool.ts";

const viewer = { id: "u1", tokenExp: 2_000_000_000 };

describe("subscription scope", () => {
  it("scopes a viewer's subscriptions to that viewer", () => {
    expect(subscriptionScope(viewer, "feedUpdated", new Set())).toEqual({ key: "viewer:u1:2000000000", viewer });
    // A refreshed token of the same viewer gets its own upstream: the old one may be ended at its expiry.
    expect(subscriptionScope({ ...viewer, tokenExp: 2_000_000_600 }, "feedUpdated", new Set()).key).not.toBe(
      "viewer:u1:2000000000",
    );
  });

  it("runs public subscriptions and anonymous clients as the anonymous viewer", () => {
    const publicFields = publicFieldSet(["Subscription.counterChanged", " other "]);
    expect(subscriptionScope(viewer, "counterChanged", publicFields)).toEqual({ key: "anonymous", viewer: null });
    expect(subscriptionScope(viewer, "other", publicFields).key).toBe("anonymous");
    expect(subscriptionScope(null, "feedUpdated", publicFields)).toEqual({ key: "anonymous", viewer: null });
  });
});

describe("stableStringify", () => {
  it("does not depend on key order", () => {
    expect(stableStringify({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      stableStringify({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
    expect(stableStringify({ a: undefined, b: "x" })).toBe('{"b":"x"}');
  });
});
