import { badUserInput, forbidden } from "@plaza/kit/domain-errors";

export const COUNTER_TYPES = ["LIKE", "VIEW", "SHARE"] as const;
export type CounterType = (typeof COUNTER_TYPES)[number];

/** One counter: what is counted (`type`) about which resource. */
export interface CounterKey {
  resourceId: string;
  type: CounterType;
}

export interface Counter extends CounterKey {
  /** Exact signed sum of every accepted change (64-bit in Redis and Postgres). */
  value: number;
}

export const RESOURCE_ID_MAX_LENGTH = 256;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 128;
/** Largest value GraphQL's `Int` can carry. */
export const GRAPHQL_INT_MAX = 2_147_483_647;

/**
 * `<TYPE>:<resourceId>`: the Redis key suffix, the Kafka message key (one counter's changes stay in one partition)
 * and the shard key. Unambiguous because a type never contains ':'.
 */
export function counterKeyString(key: CounterKey): string {
  return `${key.type}:${key.resourceId}`;
}

export function parseCounterKeyString(value: string): CounterKey {
  const colon = value.indexOf(":");
  const type = value.slice(0, colon) as CounterType;
  if (colon < 0 || !COUNTER_TYPES.includes(type)) throw new Error(`not a counter key: ${value}`);
  return { type, resourceId: value.slice(colon + 1) };
}

export const likeCounterKey = (postId: string): CounterKey => ({ resourceId: postId, type: "LIKE" });

export function validateResourceId(resourceId: string, field = "resourceId"): string {
  if (resourceId.length === 0 || resourceId.length > RESOURCE_ID_MAX_LENGTH) {
    throw badUserInput(field, `${field} must be 1 to ${RESOURCE_ID_MAX_LENGTH} characters`);
  }
  return resourceId;
}

/** What `incrementCounter` may count: LIKE changes only through likePost/unlikePost (one like per user). */
export type IncrementableType = Exclude<CounterType, "LIKE">;

export function assertIncrementable(type: CounterType): IncrementableType {
  if (type === "LIKE") {
    throw forbidden("LIKE counts change only through likePost and unlikePost (one like per user)");
  }
  return type;
}

export interface DeltaRules {
  /** COUNTER_MAX_DELTA: the most one call may add. */
  maxDelta: number;
}

/**
 * Views and shares only go up, by a positive integer of at most maxDelta (1 by default: one call is one view or
 * one share by one viewer; each unit also costs one unit of the viewer's rate limit).
 */
export function validateDelta(delta: number, rules: DeltaRules): number {
  if (!Number.isInteger(delta) || delta < 1 || delta > rules.maxDelta) {
    throw badUserInput(
      "delta",
      rules.maxDelta === 1 ? "delta must be 1" : `delta must be an integer from 1 to ${rules.maxDelta}`,
    );
  }
  return delta;
}

export function validateIdempotencyKey(key: string | null | undefined): string | null {
  if (key === null || key === undefined) return null;
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    throw badUserInput("idempotencyKey", `idempotencyKey must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`);
  }
  return key;
}

/**
 * GraphQL `Int` is 32-bit while counts are kept in 64 bits: a count beyond 2^31-1 is reported as 2^31-1 (and a
 * negative one, which only corrections accepted by earlier versions could leave, as 0) instead of failing the
 * whole response.
 */
export function toGraphQLCount(value: number): number {
  if (value > GRAPHQL_INT_MAX) return GRAPHQL_INT_MAX;
  return value < 0 ? 0 : value;
}
