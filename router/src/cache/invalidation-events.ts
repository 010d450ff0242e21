import { Topics, type EventEnvelope } from "@plaza/events";
import type { EntityRef } from "./cache-policy.ts";

/**
 * Domain topics whose events change data the router caches (chat results are never cached; payments' are not
 * either, but its events evict the payer's `User` entries, so a policy that caches `User.membership` stays right).
 */
export const INVALIDATION_TOPICS: readonly string[] = [Topics.users, Topics.posts, Topics.counters, Topics.payments];

type Payload = Record<string, unknown>;
const text = (value: unknown): string | undefined => (typeof value === "string" && value.length > 0 ? value : undefined);
const user = (id: unknown): EntityRef[] => (text(id) ? [{ typename: "User", id: text(id) }] : []);
const post = (id: unknown): EntityRef[] => (text(id) ? [{ typename: "Post", id: text(id) }] : []);
/** A counter's value shows as `Counter` (keyed by resourceId) and, for posts, as `Post.likeCount` & co. */
const counted = (resourceId: unknown): EntityRef[] =>
  text(resourceId)
    ? [
        { typename: "Counter", id: text(resourceId) },
        { typename: "Post", id: text(resourceId) },
      ]
    : [];

/**
 * The one place that says which cached entities a domain event changes. Every router instance runs every event
 * through this (its own consumer group), and the result is evicted from its first level and from Redis.
 */
const BY_TYPE: Readonly<Record<string, (payload: Payload) => EntityRef[]>> = {
  // A user that did not exist may have been cached as absent (`userByHandle` → null): drop "absent User" results.
  UserRegistered: () => [{ typename: "User" }],
  ProfileUpdated: (p) => user(p.userId),
  // Both sides' counts and follower/following lists change.
  Followed: (p) => [...user(p.followerId), ...user(p.followeeId)],
  Unfollowed: (p) => [...user(p.followerId), ...user(p.followeeId)],
  // The author's `posts` connection changes.
  PostCreated: (p) => user(p.authorId),
  // Sign-outs change no cached data (the session consumer handles them).
  SessionRevoked: () => [],
  TokensRevoked: () => [],
  PostDeleted: (p) => [...post(p.postId), ...user(p.authorId)],
  CounterIncremented: (p) => counted(p.resourceId),
  // likeCount and the liker's viewerHasLiked (a private result carrying the Post tag) change.
  PostLiked: (p) => counted(p.postId),
  PostUnliked: (p) => counted(p.postId),
  // The payer's `User.membership` and `User.payments` change.
  PaymentSucceeded: (p) => user(p.userId),
  PaymentFailed: (p) => user(p.userId),
  PaymentRefunded: (p) => user(p.userId),
  MembershipChanged: (p) => user(p.userId),
};

/** For event types added later and not yet listed above: recognise the usual id fields of the payload. */
const BY_PAYLOAD_FIELD: ReadonlyArray<[field: string, refs: (value: unknown) => EntityRef[]]> = [
  ["userId", user],
  ["authorId", user],
  ["followerId", user],
  ["followeeId", user],
  ["postId", post],
  ["resourceId", counted],
];

export function entitiesForEvent(event: Pick<EventEnvelope, "type" | "payload">): EntityRef[] {
  const payload = (event.payload ?? {}) as Payload;
  const byType = BY_TYPE[event.type];
  if (byType) return byType(payload);
  return BY_PAYLOAD_FIELD.flatMap(([field, refs]) => (field in payload ? refs(payload[field]) : []));
}
