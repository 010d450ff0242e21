import { describe, expect, it } from "vitest";
import { canonicalResponse, compareAnswers, firstDifference } from "./same-data.ts";

describe("canonicalResponse", () => {
  it("ignores key order and error messages, keeps error paths and codes", () => {
    const a = {
      data: { post: { id: "1", body: "x" } },
      errors: [{ message: "boom", path: ["post"], extensions: { code: "X" } }],
    };
    const b = {
      errors: [{ message: "masked", path: ["post"], extensions: { code: "X" } }],
      data: { post: { body: "x", id: "1" } },
    };
    expect(canonicalResponse(a)).toBe(canonicalResponse(b));
    expect(canonicalResponse(a)).not.toBe(
      canonicalResponse({ ...a, errors: [{ message: "boom", path: ["post"], extensions: { code: "Y" } }] }),
    );
  });

  it("keeps list order (a feed in another order is other data)", () => {
    expect(canonicalResponse({ data: { ids: [1, 2] } })).not.toBe(canonicalResponse({ data: { ids: [2, 1] } }));
  });

  it("compares volatile fields by type only, through lists, and nothing else", () => {
    const volatile = ["incrementCounter.value"];
    expect(canonicalResponse({ data: { incrementCounter: { value: 1, type: "VIEW" } } }, volatile)).toBe(
      canonicalResponse({ data: { incrementCounter: { value: 99, type: "VIEW" } } }, volatile),
    );
    expect(canonicalResponse({ data: { incrementCounter: { value: 1 } } }, volatile)).not.toBe(
      canonicalResponse({ data: { incrementCounter: { value: null } } }, volatile),
    );
    expect(canonicalResponse({ data: { a: [{ v: 1 }, { v: 2 }] } }, ["a.v"])).toBe(
      canonicalResponse({ data: { a: [{ v: 3 }, { v: 4 }] } }, ["a.v"]),
    );
    expect(canonicalResponse({ data: { other: { value: 1 } } }, volatile)).not.toBe(
      canonicalResponse({ data: { other: { value: 2 } } }, volatile),
    );
  });

  it("tells an HTTP failure from a null answer, and survives non-objects", () => {
    expect(canonicalResponse({ data: null })).not.toBe(canonicalResponse({ httpStatus: 500 }));
    expect(() => canonicalResponse(undefined)).not.toThrow();
    expect(() => canonicalResponse("<html>")).not.toThrow();
  });
});

describe("compareAnswers", () => {
  it("is identical when every target agrees with the first", () => {
    const body = { data: { user: { id: "u1", followers: { edges: [] } } } };
    expect(
      compareAnswers([
        { target: "a", body },
        { target: "b", body: structuredClone(body) },
      ]),
    ).toEqual({
      reference: "a",
      identical: true,
      mismatches: [],
    });
  });

  it("names each differing target and where it first differs", () => {
    const check = compareAnswers([
      { target: "plaza", body: { data: { feed: { edges: [{ node: { id: "p1", likeCount: 0 } }] } } } },
      { target: "hive", body: { data: { feed: { edges: [{ node: { id: "p1", likeCount: 1 } }] } } } },
      { target: "stock", body: { data: { feed: { edges: [{ node: { id: "p1", likeCount: 0 } }] } } } },
      { target: "broken", body: { httpStatus: 502, nonJson: "Bad Gateway" } },
    ]);
    expect(check.identical).toBe(false);
    expect(check.mismatches.map((m) => m.target)).toEqual(["hive", "broken"]);
    expect(check.mismatches[0]!.difference).toBe("data.feed.edges[0].node.likeCount: 0 ≠ 1");
  });

  it("accepts no answers and a single answer", () => {
    expect(compareAnswers([]).identical).toBe(true);
    expect(compareAnswers([{ target: "a", body: {} }]).identical).toBe(true);
  });
});

describe("firstDifference", () => {
  it("reports missing keys, longer lists and cuts long values", () => {
    expect(firstDifference({ a: 1 }, { a: 1, b: 2 })).toBe("b: undefined ≠ 2");
    expect(firstDifference([1], [1, 2])).toBe("[1]: undefined ≠ 2");
    expect(firstDifference("x".repeat(200), "y")!.length).toBeLessThan(100);
    expect(firstDifference({ a: [1] }, { a: [1] })).toBeUndefined();
  });
});
