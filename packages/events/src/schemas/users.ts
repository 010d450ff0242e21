import { z } from "zod";
import { defineEvent, type EventOf } from "../registry.ts";
import { Topics } from "../topics.ts";

const id = z.string().min(1);
const timestamp = z.iso.datetime({ offset: true });

/** Aggregate id: the new user's id. */
export const UserRegistered = defineEvent(
  "UserRegistered",
  1,
  Topics.users,
  z.object({ userId: id, handle: z.string().min(1), displayName: z.string(), createdAt: timestamp }),
);

/** Aggregate id: the user's id. */
export const ProfileUpdated = defineEvent(
  "ProfileUpdated",
  1,
  Topics.users,
  z.object({ userId: id, displayName: z.string(), bio: z.string().nullable(), updatedAt: timestamp }),
);

/** Aggregate id: the follower's id (one user's follow/unfollow stream stays ordered). */
export const Followed = defineEvent(
  "Followed",
  1,
  Topics.users,
  z.object({ followerId: id, followeeId: id, followedAt: timestamp }),
);

/** Aggregate id: the follower's id. */
export const Unfollowed = defineEvent(
  "Unfollowed",
  1,
  Topics.users,
  z.object({ followerId: id, followeeId: id, unfollowedAt: timestamp }),
);

/**
 * Aggregate id: the user's id. One session (one token, `sid`) was signed out; routers stop accepting it at once.
 * `expiresAt` is the token's own expiry: after it nothing needs to remember the revocation.
 */
export const SessionRevoked = defineEvent(
  "SessionRevoked",
  1,
  Topics.users,
  z.object({ userId: id, sessionId: id, expiresAt: timestamp, revokedAt: timestamp }),
);

/** Aggregate id: the user's id. Every token issued under a token version below `tokenVersion` is revoked. */
export const TokensRevoked = defineEvent(
  "TokensRevoked",
  1,
  Topics.users,
  z.object({ userId: id, tokenVersion: z.number().int().positive(), revokedAt: timestamp }),
);

export const userEvents = [UserRegistered, ProfileUpdated, Followed, Unfollowed, SessionRevoked, TokensRevoked] as const;

export type UserEvent = EventOf<(typeof userEvents)[number]>;
