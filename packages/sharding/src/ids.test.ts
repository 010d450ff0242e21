import { describe, expect, it } from "vitest";
import { ID_LENGTH, bucketOfId, bucketSqlExpression, encodeId, idTime, isId, lowerBoundId, newId } from "./ids.ts";

describe("ids", () => {
  it("round-trips bucket and time", () => {
    for (const bucket of [0, 1, 31, 32, 1023, 32_767]) {
      const id = newId(bucket, 1_700_000_000_123);
      expect(id).toHaveLength(ID_LENGTH);
      expect(isId(id)).toBe(true);
      expect(bucketOfId(id)).toBe(bucket);
      expect(idTime(id)?.getTime()).toBe(1_700_000_000_123);
    }
  });

  it("is URL-safe Crockford base32 in upper case", () => {
    const id = newId(5);
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(encodeURIComponent(id)).toBe(id);
  });

  it("encodes a known layout (never changes: ids are stored data)", () => {
    const digits = Array.from({ length: 13 }, (_, i) => i);
    expect(encodeId(0, 1023, digits)).toBe("0000000000" + "0ZZ" + "0123456789ABC");
    expect(encodeId(2 ** 48 - 1, 1, new Array(13).fill(31))).toBe("7ZZZZZZZZZ" + "001" + "ZZZZZZZZZZZZZ");
    expect(encodeId(1_700_000_000_123, 12_345, digits)).toBe("01HF7YAT3V" + "C1S" + "0123456789ABC");
    expect(lowerBoundId(1_700_000_000_123)).toBe("01HF7YAT3V" + "0".repeat(16));
    expect(bucketOfId("01HF7YAT3VC1S0123456789ABC")).toBe(12_345);
    expect(idTime("01HF7YAT3VC1S0123456789ABC")?.getTime()).toBe(1_700_000_000_123);
  });

  it("sorts by creation time, and by creation order within one millisecond", () => {
    const ids: string[] = [];
    for (let t = 1_700_000_000_000; t < 1_700_000_000_050; t++) ids.push(newId(7, t), newId(7, t), newId(7, t));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const burst = Array.from({ length: 10_000 }, () => newId(3));
    expect([...burst].sort()).toEqual(burst);
  });

  it("never goes backwards when the clock does", () => {
    const later = newId(1, 1_800_000_000_000);
    const earlier = newId(1, 1_799_999_999_000);
    expect(earlier > later).toBe(true);
    expect(idTime(earlier)?.getTime()).toBe(1_800_000_000_000);
  });

  it("answers null/false for malformed ids instead of throwing", () => {
    const good = newId(12);
    const bad: unknown[] = [
      "",
      "abc",
      good.toLowerCase(),
      good.slice(1),
      good + "0",
      "8" + good.slice(1), // time beyond 48 bits
      good.slice(0, 20) + "UUUUUU", // U is not in the alphabet
      good.slice(0, 25) + "I",
      "../../etc/passwd",
      null,
      undefined,
      42,
      { id: good },
    ];
    for (const value of bad) {
      expect(isId(value)).toBe(false);
      expect(bucketOfId(value)).toBeNull();
      expect(idTime(value)).toBeNull();
    }
  });

  it("rejects invalid buckets and times when creating", () => {
    expect(() => newId(-1)).toThrow(RangeError);
    expect(() => newId(32_768)).toThrow(RangeError);
    expect(() => newId(1.5)).toThrow(RangeError);
    expect(() => newId(1, -5)).toThrow(RangeError);
    expect(() => lowerBoundId(Number.NaN)).toThrow(RangeError);
  });

  it("offers a SQL expression that decodes the bucket (checked against a JS evaluation)", () => {
    const expression = bucketSqlExpression('"id"');
    expect(expression).toContain('substr("id", 11, 1)');
    const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    const id = newId(12_345);
    const digit = (position: number) => alphabet.indexOf(id.charAt(position - 1));
    expect(digit(11) * 1024 + digit(12) * 32 + digit(13)).toBe(12_345);
  });
});
