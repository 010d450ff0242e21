import { badUserInput } from "@plaza/kit";

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

export interface DeltaRules {
  /** COUNTER_MAX_DELTA: the largest |delta| one call may add. */
  maxDelta: number;
}

/**
 * A delta is a non-zero integer within ±maxDelta. LIKE only grows through incrementCounter (a like is withdrawn
 * with unlikePost), so a LIKE count can never go negative; VIEW and SHARE accept negative corrections.
 */
export function validateDelta(type: CounterType, delta: number, rules: DeltaRules): number {
  if (!Number.isInteger(delta) || delta === 0) throw badUserInput("delta", "delta must be a non-zero integer");
  if (Math.abs(delta) > rules.maxDelta)
    throw badUserInput("delta", `delta must be between -${rules.maxDelta} and ${rules.maxDelta}`);
  if (type === "LIKE" && delta < 0) throw badUserInput("delta", "a LIKE counter cannot be decremented: use unlikePost");
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
 * negative one, only possible after over-eager VIEW/SHARE corrections, as 0) instead of failing the whole response.
 */
export function toGraphQLCount(value: number): number {
  if (value > GRAPHQL_INT_MAX) return GRAPHQL_INT_MAX;
  return value < 0 ? 0 : value;
}
