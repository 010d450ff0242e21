import { describe, expect, it } from "vitest";
import { responseCacheKey, scopeKey, stableStringify } from "./cache-key.ts";

describe("response cache keys", () => {
  it("ignore the order of variable keys but nothing else", () => {
    expect(stableStringify({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    const key = (vars: unknown, scope = "public", op: string | null = null) => responseCacheKey("{ a }", op, vars, scope);
    expect(key({ a: 1, b: 2 })).toBe(key({ b: 2, a: 1 }));
    expect(key(undefined)).toBe(key({}));
    expect(key({ a: 1 })).not.toBe(key({ a: 2 }));
    expect(key({}, "public", "A")).not.toBe(key({}, "public", "B"));
  });

  it("separate viewers for private results and share public ones", () => {
    expect(scopeKey("PUBLIC", "u1")).toBe(scopeKey("PUBLIC", null));
    expect(scopeKey("PRIVATE", "u1")).not.toBe(scopeKey("PRIVATE", "u2"));
    expect(responseCacheKey("{ me { id } }", null, {}, scopeKey("PRIVATE", "u1"))).not.toBe(
      responseCacheKey("{ me { id } }", null, {}, scopeKey("PRIVATE", "u2")),
    );
  });
});

describe("hostile variables", () => {
  it("refuse nesting deeper than the key depth with a coded error instead of overflowing the stack", () => {
    const deep = JSON.parse(`${"[".repeat(20_000)}${"]".repeat(20_000)}`);
    expect(() => responseCacheKey("{ a }", null, { deep }, "public")).toThrow(
      expect.objectContaining({ extensions: { code: "BAD_REQUEST" } }),
    );
  });
});
