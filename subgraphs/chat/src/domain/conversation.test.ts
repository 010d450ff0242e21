import { describe, expect, it } from "vitest";
import { conversationMembers, directKey, isMember } from "./conversation.ts";

describe("conversationMembers", () => {
  it("puts the starter first and accepts the starter listed once", () => {
    expect(conversationMembers("me", ["b", "c"], 50)).toEqual(["me", "b", "c"]);
    expect(conversationMembers("me", ["b", "me"], 50)).toEqual(["me", "b"]);
  });

  it.each([
    ["only yourself", ["me"]],
    ["nobody", []],
    ["yourself twice", ["me", "me", "b"]],
    ["duplicates", ["b", "b"]],
    ["too many", ["b", "c", "d"]],
  ])("refuses %s with BAD_USER_INPUT", (_, ids) => {
    expect(() => conversationMembers("me", ids, 3)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
  });

  it("keys a pair the same from either side", () => {
    expect(directKey("a", "b")).toBe(directKey("b", "a"));
    expect(isMember({ memberIds: ["a", "b"] }, "a")).toBe(true);
    expect(isMember({ memberIds: ["a", "b"] }, null)).toBe(false);
  });
});
