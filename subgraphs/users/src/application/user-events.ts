import {
  createEvent,
  Followed,
  ProfileUpdated,
  SessionRevoked,
  TokensRevoked,
  Unfollowed,
  UserRegistered,
  type OutboxEvents,
} from "@plaza/events/contracts";
import type { User } from "../domain/user.ts";

// The users subgraph's events, decided here (application layer) and handed to the repository that makes the
// change, which writes them to the outbox in the change's transaction only if the change happened.

export const userRegistered: OutboxEvents<User> = (user) => [
  createEvent(UserRegistered, user.id, {
    userId: user.id,
    handle: user.handle,
    displayName: user.displayName,
    createdAt: user.createdAt.toISOString(),
  }),
];

export const profileUpdated: OutboxEvents<User> = (user) => [
  createEvent(ProfileUpdated, user.id, {
    userId: user.id,
    displayName: user.displayName,
    bio: user.bio,
    updatedAt: new Date().toISOString(),
  }),
];

export const followed =
  (followerId: string, followeeId: string): OutboxEvents =>
  () => [createEvent(Followed, followerId, { followerId, followeeId, followedAt: new Date().toISOString() })];

export const unfollowed =
  (followerId: string, followeeId: string): OutboxEvents =>
  () => [createEvent(Unfollowed, followerId, { followerId, followeeId, unfollowedAt: new Date().toISOString() })];

export const sessionRevoked =
  (userId: string, sessionId: string, expiresAt: Date): OutboxEvents<{ revokedAt: Date }> =>
  ({ revokedAt }) => [
    createEvent(SessionRevoked, userId, {
      userId,
      sessionId,
      expiresAt: expiresAt.toISOString(),
      revokedAt: revokedAt.toISOString(),
    }),
  ];

export const tokensRevoked =
  (userId: string): OutboxEvents<{ tokenVersion: number }> =>
  ({ tokenVersion }) => [createEvent(TokensRevoked, userId, { userId, tokenVersion, revokedAt: new Date().toISOString() })];
