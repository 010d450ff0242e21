import type { OutboxEvents } from "@plaza/events/contracts";
import type { User, UserWithCredentials } from "../../domain/user.ts";

export interface NewUser {
  email: string;
  handle: string;
  displayName: string;
  passwordHash: string;
}

export interface ProfilePatch {
  displayName?: string;
  bio?: string | null;
}

export interface EdgePage {
  edges: Array<{ userId: string; createdAt: Date; cursor: string }>;
  hasNextPage: boolean;
}

/**
 * Persistence of users and follow edges. Each write and the events the use case announces for it (`events`, built
 * by the application layer) are stored atomically (transactional outbox): the repository is the unit of work and
 * writes the events in the change's transaction, and only when something actually changed.
 */
export interface UserRepository {
  /** Throws CONFLICT (field email or handle) when either is taken on any shard. */
  create(user: NewUser, events: OutboxEvents<User>): Promise<User>;
  findByIds(ids: readonly string[]): Promise<Array<User | null>>;
  findByEmail(email: string): Promise<UserWithCredentials | null>;
  findIdByHandle(handle: string): Promise<string | null>;
  updateProfile(id: string, patch: ProfilePatch, events: OutboxEvents<User>): Promise<User | null>;
  follow(followerId: string, followeeId: string, events: OutboxEvents): Promise<{ created: boolean }>;
  unfollow(followerId: string, followeeId: string, events: OutboxEvents): Promise<{ removed: boolean }>;
  /** Makes the followee-side index agree with the follower-side truth (idempotent, order-safe). */
  reconcileFollowerIndex(followerId: string, followeeId: string): Promise<void>;
  listFollowers(userId: string, first: number, after: string | null): Promise<EdgePage>;
  listFollowing(userId: string, first: number, after: string | null): Promise<EdgePage>;
}
