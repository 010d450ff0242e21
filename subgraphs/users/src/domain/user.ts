import { badUserInput } from "@plaza/kit/domain-errors";

/** A user as the rest of the service sees it (no credentials). */
export interface User {
  id: string;
  email: string;
  handle: string;
  displayName: string;
  bio: string | null;
  followerCount: number;
  followingCount: number;
  createdAt: Date;
}

export interface UserWithCredentials extends User {
  passwordHash: string;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
const HANDLE = /^[a-z0-9_]{3,30}$/;

export const LIMITS = { displayName: 50, bio: 300, passwordMin: 10, passwordMax: 128, email: 254 } as const;

/** Emails compare case-insensitively, so they are stored and sharded lower-cased. */
export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > LIMITS.email || !EMAIL.test(email)) throw badUserInput("email", "Email address is invalid");
  return email;
}

export function normalizeHandle(raw: string): string {
  const handle = raw.trim().toLowerCase();
  if (!HANDLE.test(handle)) {
    throw badUserInput("handle", "Handle must be 3-30 characters of lowercase letters, digits or underscores");
  }
  return handle;
}

/** Length plus two character classes: cheap to explain, blocks the most common weak choices. */
export function checkPassword(password: string): string {
  if (password.length < LIMITS.passwordMin || password.length > LIMITS.passwordMax) {
    throw badUserInput("password", `Password must be ${LIMITS.passwordMin}-${LIMITS.passwordMax} characters`);
  }
  if (!/[a-zA-Z]/.test(password) || !/[0-9]/.test(password)) {
    throw badUserInput("password", "Password must contain at least one letter and one digit");
  }
  return password;
}

/**
 * Joiners that belong to emoji, removed before names and bios are judged: a ZWJ between two pictographs (👩🏽‍💻,
 * 🏳️‍🌈, ❤️‍🔥) and subdivision flags (🏴 + tag letters + cancel tag). Anywhere else those characters are invisible,
 * and tag characters can smuggle hidden ASCII text.
 */
const EMOJI_JOINERS =
  /(?<=\p{Extended_Pictographic}[\uFE0F\p{Emoji_Modifier}]?)\u200D(?=\p{Extended_Pictographic})|\u{1F3F4}[\u{E0061}-\u{E007A}]{2,7}\u{E007F}/gu;

/**
 * What a display name may not show: controls (tab and line breaks included), format characters (zero-width
 * spaces and joiners, bidirectional marks, overrides and isolates, word joiners, invisible operators, BOM, soft
 * hyphen, Mongolian vowel separator, tags), unpaired surrogates, line/paragraph separators, the combining grapheme
 * joiner, and letters that render as nothing (Hangul fillers, the blank Braille pattern) — what makes names look
 * empty, impersonate others or reorder the text around them.
 */
const NOT_IN_NAMES = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u034F\u115F\u1160\u3164\uFFA0\u2800]/u;

/**
 * What a bio may not carry: controls other than tab and line breaks, format characters other than ZWNJ and ZWJ
 * (which Persian, Indic scripts and emoji need), so no bidirectional overrides or isolates, marks, zero-width
 * spaces or tags; unpaired surrogates; U+2028/U+2029 (new lines are LF).
 */
const NOT_IN_BIOS = /(?![\t\n\r\u200C\u200D])[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

/**
 * Display names are stored in NFC (one spelling per name) without surrounding spaces, and must show something.
 * Refused characters are refused anywhere, a trailing line break included.
 */
export function normalizeDisplayName(raw: string): string {
  // Normalizing costs time in the input's length: a name that cannot fit is refused first.
  if (raw.length > LIMITS.displayName * 4) {
    throw badUserInput("displayName", `Display name must be 1-${LIMITS.displayName} characters`);
  }
  const nfc = raw.normalize("NFC");
  if (NOT_IN_NAMES.test(nfc.replace(EMOJI_JOINERS, ""))) {
    throw badUserInput("displayName", "Display name must not contain control, invisible or formatting characters");
  }
  const name = nfc.trim();
  if (name.length < 1 || name.length > LIMITS.displayName) {
    throw badUserInput("displayName", `Display name must be 1-${LIMITS.displayName} characters`);
  }
  return name;
}

/** Bios are free text over several lines, stored in NFC and trimmed; empty means none. */
export function normalizeBio(raw: string | null): string | null {
  if (raw === null) return null;
  if (raw.length > LIMITS.bio * 4) throw badUserInput("bio", `Bio must be at most ${LIMITS.bio} characters`);
  const nfc = raw.normalize("NFC");
  if (NOT_IN_BIOS.test(nfc.replace(EMOJI_JOINERS, ""))) {
    throw badUserInput(
      "bio",
      "Bio must not contain control characters, bidirectional controls or invisible formatting characters",
    );
  }
  const bio = nfc.trim();
  if (bio.length > LIMITS.bio) throw badUserInput("bio", `Bio must be at most ${LIMITS.bio} characters`);
  return bio === "" ? null : bio;
}
