import { describe, expect, it } from "vitest";
import { checkClientMessageId, normalizeMessageBody, unreadCount } from "./message.ts";

describe("normalizeMessageBody", () => {
  it("trims and counts code points", () => {
    expect(normalizeMessageBody("  hi  ")).toBe("hi");
    expect(normalizeMessageBody("😀".repeat(3), 3)).toBe("😀😀😀");
  });

  it.each([
    ["empty", ""],
    ["blank", " \n\t "],
    ["too long", "abcd"],
    ["a lone surrogate", "a\ud800"],
    ["a replacement character", "a\ufffd"],
    ["NUL", "a\u0000"],
    ["a bidi override", "a\u202eb"],
  ])("refuses %s with BAD_USER_INPUT", (_, body) => {
    expect(() => normalizeMessageBody(body, 3)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
  });
});

describe("checkClientMessageId", () => {
  it.each(["", " ", "a b", "x".repeat(129), "é"])("refuses %j", (id) => {
    expect(() => checkClientMessageId(id)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
  });
  it("accepts a UUID", () => expect(checkClientMessageId("0b6f3c3e-6f53-4c8e-9d4a-2f0f8c3d9e11")).toBeTruthy());
});

describe("unreadCount", () => {
  it("is never negative", () => {
    expect(unreadCount(3, 1)).toBe(2);
    expect(unreadCount(1, 3)).toBe(0);
  });
});
