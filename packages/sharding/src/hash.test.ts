import { describe, expect, it } from "vitest";
import { murmur3, murmur3Bytes } from "./hash.ts";

describe("murmur3", () => {
  it("matches the published MurmurHash3 x86_32 test vectors", () => {
    expect(murmur3("")).toBe(0);
    expect(murmur3("", 1)).toBe(0x514e28b7);
    expect(murmur3("abc")).toBe(0xb3dd93fa);
    expect(murmur3("hello")).toBe(0x248bfa47);
    expect(murmur3("Hello, world!", 1234)).toBe(0xfaf6cdb3);
    expect(murmur3("The quick brown fox jumps over the lazy dog")).toBe(0x2e4ff723);
  });

  // Golden values: stored rows were placed with these. If this test fails, the hash changed and
  // existing data would be routed to the wrong shards. Do not update the expectations.
  it("never changes (golden values, including non-ASCII keys)", () => {
    expect(murmur3("héllo wörld ✓ 😀")).toBe(0x7ebd655c);
    expect(["user-1", "user-2", "conv-42", "01JD0000000000000000000000"].map((key) => murmur3(key))).toEqual([
      4171401059, 3734456267, 3277161364, 512601511,
    ]);
  });

  it("hashes the UTF-8 bytes of the key", () => {
    const key = "ключ-🔑";
    const bytes = new TextEncoder().encode(key);
    expect(murmur3(key)).toBe(murmur3Bytes(bytes));
  });

  it("handles every tail length and long keys (scratch buffer growth)", () => {
    const seen = new Set<number>();
    for (let length = 0; length < 40; length++) seen.add(murmur3("x".repeat(length)));
    expect(seen.size).toBe(40);
    const long = "a".repeat(10_000);
    expect(murmur3(long)).toBe(murmur3Bytes(new TextEncoder().encode(long)));
  });

  it("spreads sequential keys evenly over 1024 buckets", () => {
    const counts = new Array<number>(1024).fill(0);
    const keys = 200_000;
    for (let i = 0; i < keys; i++) counts[murmur3(`user-${i}`) % 1024]!++;
    const expected = keys / 1024; // ~195, standard deviation ~14
    expect(Math.min(...counts)).toBeGreaterThan(expected * 0.6);
    expect(Math.max(...counts)).toBeLessThan(expected * 1.4);
  });
});
