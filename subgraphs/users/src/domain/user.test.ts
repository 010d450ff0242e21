import { describe, expect, it } from "vitest";
import { PlazaError } from "@plaza/kit/domain-errors";
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

  describe("display names", () => {
    it.each([
      ["a NUL", "Ada\u0000"],
      ["a tab", "Ada\tLovelace"],
      ["a line feed", "Ada\nLovelace"],
      ["a trailing line break", "Ada\r\n"],
      ["DEL", "Ada\u007f"],
      ["a C1 control", "Ada\u0085"],
      ["a zero-width space", "Ad\u200Ba"],
      ["a zero-width non-joiner", "Ad\u200Ca"],
      ["a zero-width joiner between letters", "Ad\u200Da"],
      ["a left-to-right mark", "\u200EAda"],
      ["a right-to-left mark", "Ada\u200F"],
      ["a line separator", "Ada\u2028"],
      ["a paragraph separator", "Ada\u2029"],
      ["a right-to-left override", "\u202Enimda"],
      ["a left-to-right embedding", "\u202AAda\u202C"],
      ["a word joiner", "Ad\u2060a"],
      ["an invisible separator", "Ad\u2063a"],
      ["an invisible plus", "Ad\u2064a"],
      ["a right-to-left isolate", "\u2067Ada\u2069"],
      ["a first-strong isolate", "\u2068Ada"],
      ["a byte order mark", "\uFEFFAda"],
      ["a soft hyphen", "Ad\u00ADa"],
      ["a combining grapheme joiner", "Ad\u034Fa"],
      ["a Mongolian vowel separator", "Ada\u180E"],
      ["tag characters (hidden text)", "Ada\u{E0041}\u{E0042}"],
      ["a lone surrogate", "Ada\ud800"],
      ["only a Hangul filler", "\u3164"],
      ["only a halfwidth Hangul filler", "\uFFA0"],
      ["only a blank Braille pattern", "\u2800"],
      ["only spaces of every kind", " \u00A0\u2003\u3000 "],
      ["nothing", ""],
      ["51 characters", "x".repeat(51)],
      ["a megabyte", "x".repeat(1_000_000)],
    ])("refuses %s", (_, name) => {
      expect(fieldOf(() => normalizeDisplayName(name))).toEqual({ code: "BAD_USER_INPUT", field: "displayName" });
    });

    it.each([
      ["accents", "Zoë Émile", "Zoë Émile"],
      ["other scripts", "日本 太郎 محمد", "日本 太郎 محمد"],
      ["emoji, modifiers and ZWJ sequences", "Ada 👩🏽‍💻 🏳️‍🌈 👨‍👩‍👧 ❤️‍🔥", "Ada 👩🏽‍💻 🏳️‍🌈 👨‍👩‍👧 ❤️‍🔥"],
      ["a subdivision flag", "Ada \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}", "Ada 🏴󠁧󠁢󠁳󠁣󠁴󠁿"],
      ["surrounding spaces (trimmed)", "  Ada  ", "Ada"],
      ["50 characters", "x".repeat(50), "x".repeat(50)],
    ])("accepts %s", (_, name, stored) => {
      expect(normalizeDisplayName(name)).toBe(stored);
    });

    it("stores names in NFC, so one name has one spelling", () => {
      const decomposed = "Zoe\u0308 E\u0301mile";
      expect(normalizeDisplayName(decomposed)).toBe("Zo\u00EB \u00C9mile");
      expect(normalizeDisplayName(decomposed)).toBe(normalizeDisplayName("Zoë Émile"));
    });
  });

  describe("bios", () => {
    it.each([
      ["a NUL", "hi\u0000"],
      ["an escape sequence", "hi \u001b[31mred"],
      ["a C1 control", "hi\u009b"],
      ["a right-to-left override", "see \u202Egpj.exe"],
      ["a left-to-right override", "\u202Dx"],
      ["an embedding", "\u202Bx\u202C"],
      ["an isolate", "\u2066x\u2069"],
      ["a first-strong isolate", "\u2068x\u2069"],
      ["a zero-width space", "in\u200Bvisible"],
      ["a right-to-left mark", "x\u200F"],
      ["a byte order mark", "\uFEFFx"],
      ["a soft hyphen", "in\u00ADvisible"],
      ["tag characters (hidden text)", "hi\u{E0069}\u{E0067}\u{E006E}"],
      ["a line separator", "one\u2028two"],
      ["a lone surrogate", "\udc00"],
      ["a megabyte", "x".repeat(1_000_000)],
    ])("refuses %s", (_, bio) => {
      expect(fieldOf(() => normalizeBio(bio))).toEqual({ code: "BAD_USER_INPUT", field: "bio" });
    });

    it.each([
      ["several lines", "line one\nline two\r\nline three\tend"],
      ["a zero-width non-joiner (Persian)", "می\u200Cخواهم"],
      ["a zero-width joiner (Indic scripts)", "ക്\u200D"],
      ["emoji sequences", "👩🏽‍💻 🏳️‍🌈 🏴󠁧󠁢󠁳󠁣󠁴󠁿"],
      ["right-to-left text without controls", "שלום עולם — مرحبا"],
    ])("accepts %s", (_, bio) => {
      expect(normalizeBio(bio)).toBe(bio.normalize("NFC"));
    });

    it("stores bios in NFC", () => {
      expect(normalizeBio("Cafe\u0301")).toBe("Caf\u00E9");
    });
  });
});
