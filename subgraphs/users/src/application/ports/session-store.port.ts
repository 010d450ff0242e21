import type { OutboxEvents } from "@plaza/events/contracts";

/** What a session check finds for one token. */
export type SessionStatus = "active" | "revoked" | "no-user";

/**
 * Token versions and signed-out sessions, on the user's shard. Revocations are written together with the events the
 * use case announces for them (`events`, in the same transaction; SessionRevoked, TokensRevoked), so routers
 * learn of them at once.
 */
export interface SessionStore {
  /** The version new tokens of this user are issued under; null when the user does not exist. */
  tokenVersion(userId: string): Promise<number | null>;
  /** Never cached: routers ask this for each token on first sight and again every check TTL. */
  status(userId: string, sessionId: string | null, tokenVersion: number): Promise<SessionStatus>;
  /** Signs one session out until `expiresAt` (the token's expiry); idempotent (events only the first time). */
  revokeSession(userId: string, sessionId: string, expiresAt: Date, events: OutboxEvents<{ revokedAt: Date }>): Promise<void>;
  /** Bumps the user's token version (every token issued before is refused); returns the new version, null: no user. */
  revokeAll(userId: string, events: OutboxEvents<{ tokenVersion: number }>): Promise<number | null>;
}
