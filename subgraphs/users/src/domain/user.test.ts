import { describe, expect, it } from "vitest";
import { PlazaError } from "@plaza/kit";
import { checkPassword, normalizeBio, normalizeDisplayName, normalizeEmail, normalizeHandle } from "./user.ts";

function fieldOf(fn: () => unknown): { code: string; field: unknown } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PlazaError);
    const e = err as PlazaError;
    return { code: e.code, field: e.extensions.field };
  }
  throw new Error("expected a PlazaError");
}

describe("user validation", () => {
  it("normalizes emails and handles to lower case", () => {
    expect(normalizeEmail("  Alice@Example.COM ")).toBe("alice@example.com");
    expect(normalizeHandle("Alice_01")).toBe("alice_01");
  });

  it.each(["", "no-at-sign", "a@b", "two@@signs.com", "sp ace@x.com", `${"a".repeat(250)}@x.com`])(
    "rejects email %j",
    (email) => {
      expect(fieldOf(() => normalizeEmail(email))).toEqual({ code: "BAD_USER_INPUT", field: "email" });
    },
  );

  it.each(["ab", "has space", "dash-ed", "émile", "a".repeat(31)])("rejects handle %j", (handle) => {
    expect(fieldOf(() => normalizeHandle(handle))).toEqual({ code: "BAD_USER_INPUT", field: "handle" });
  });

  it.each(["short1", "onlyletterslong", "1234567890123", "x".repeat(129) + "1"])("rejects weak password %j", (password) => {
    expect(fieldOf(() => checkPassword(password))).toEqual({ code: "BAD_USER_INPUT", field: "password" });
  });

  it("accepts a reasonable password", () => {
    expect(checkPassword("correct horse 9")).toBe("correct horse 9");
  });

  it("bounds display names and bios", () => {
    expect(normalizeDisplayName("  Ada ")).toBe("Ada");
    expect(fieldOf(() => normalizeDisplayName("   "))).toEqual({ code: "BAD_USER_INPUT", field: "displayName" });
    expect(fieldOf(() => normalizeBio("x".repeat(301)))).toEqual({ code: "BAD_USER_INPUT", field: "bio" });
    expect(normalizeBio("  ")).toBeNull();
  });
});
