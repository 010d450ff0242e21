import { badUserInput } from "@plaza/kit";

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

export function normalizeDisplayName(raw: string): string {
  const name = raw.trim();
  if (name.length < 1 || name.length > LIMITS.displayName) {
    throw badUserInput("displayName", `Display name must be 1-${LIMITS.displayName} characters`);
  }
  return name;
}

export function normalizeBio(raw: string | null): string | null {
  if (raw === null) return null;
  const bio = raw.trim();
  if (bio.length > LIMITS.bio) throw badUserInput("bio", `Bio must be at most ${LIMITS.bio} characters`);
  return bio === "" ? null : bio;
}
