import { describe, expect, it } from "vitest";
import { PlazaError } from "@plaza/kit/domain-errors";
import { normalizeBody } from "./post.ts";
import { compareFeedPositions, isAfter, mergeFeedPositions } from "./feed-position.ts";

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    if (err instanceof PlazaError) return `${err.code}:${String(err.extensions.field)}`;
    throw err;
  }
  return undefined;
}

describe("normalizeBody", () => {
  it("trims and keeps the text", () => {
    expect(normalizeBody("  hello\nworld  ")).toBe("hello\nworld");
  });

  it.each([
    ["empty", ""],
    ["whitespace only", " \n\t "],
    ["a lone high surrogate", "bad \ud800 text"],
    ["a lone low surrogate", "\udc00"],
    ["U+FFFD (invalid bytes decoded upstream)", "b\ufffd\ufffda"],
    ["a NUL character", "nul\u0000byte"],
    ["a right-to-left override (Trojan Source)", "open invoice\u202Efdp.exe"],
    ["a left-to-right override", "\u202Dabc\u202C"],
    ["a right-to-left embedding", "\u202Babc"],
    ["a left-to-right embedding", "\u202Aabc"],
    ["a pop directional formatting", "abc\u202C"],
    ["a left-to-right isolate", "\u2066abc\u2069"],
    ["a right-to-left isolate", "\u2067abc"],
    ["a first-strong isolate", "\u2068abc"],
    ["a pop directional isolate", "abc\u2069"],
  ])("rejects %s with BAD_USER_INPUT", (_name, body) => {
    expect(codeOf(() => normalizeBody(body))).toBe("BAD_USER_INPUT:body");
  });

  it.each([
    ["right-to-left text", "שלום עולם — مرحبا بالعالم"],
    ["bidirectional marks", "price: \u200F100 ₪\u200E, \u061Cok"],
    ["emoji ZWJ sequences and other format characters", "👩🏽‍💻 ok\u200Bzero-width"],
    ["tabs and new lines", "a\tb\r\nc"],
  ])("keeps %s", (_name, body) => {
    expect(normalizeBody(body)).toBe(body);
  });

  it("counts code points, not UTF-16 units, against the limit", () => {
    expect(normalizeBody("😀".repeat(10), 10)).toHaveLength(20);
    expect(codeOf(() => normalizeBody("😀".repeat(11), 10))).toBe("BAD_USER_INPUT:body");
    expect(normalizeBody("x".repeat(5_000))).toHaveLength(5_000);
    expect(codeOf(() => normalizeBody("x".repeat(5_001)))).toBe("BAD_USER_INPUT:body");
  });
});

describe("feed positions", () => {
  const a = { score: 2, postId: "B" };
  const b = { score: 2, postId: "A" };
  const c = { score: 1, postId: "Z" };

  it("orders newest first, then by id descending", () => {
    expect([c, b, a].sort(compareFeedPositions)).toEqual([a, b, c]);
    expect(isAfter(b, a)).toBe(true);
    expect(isAfter(a, b)).toBe(false);
    expect(isAfter(a, a)).toBe(false);
    expect(isAfter(c, null)).toBe(true);
  });

  it("merges lists without duplicates up to a limit", () => {
    expect(
      mergeFeedPositions(
        [
          [a, c],
          [b, a],
        ],
        10,
      ),
    ).toEqual([a, b, c]);
    expect(mergeFeedPositions([[a, c], [b]], 2)).toEqual([a, b]);
  });
});
