import { z } from "zod";
import { defineEvent, type EventOf } from "../registry.ts";
import { Topics } from "../topics.ts";

const id = z.string().min(1);

/** What a counter counts; mirrors the GraphQL enum `CounterType`. */
export const counterTypeSchema = z.enum(["LIKE", "VIEW", "SHARE"]);

/**
 * The counters topic is the durable log of every acknowledged counter change: the counters subgraph appends an
 * event and waits for the broker before it acknowledges the mutation, and rebuilds Redis from it.
 * Aggregate id (the Kafka key) of every counters event: the counter key `<TYPE>:<resourceId>`, so one counter's
 * changes (and one post's likes, key `LIKE:<postId>`) stay in one partition, in order.
 */
export const CounterIncremented = defineEvent(
  "CounterIncremented",
  1,
  Topics.counters,
  z.object({
    resourceId: id,
    type: counterTypeSchema,
    delta: z.int(),
    /** Who asked (null: anonymous); kept for audit, not used to count. */
    viewerId: id.nullable(),
  }),
);

/** A user liked a post (at most one like per user: applying it twice changes nothing). Aggregate id `LIKE:<postId>`. */
export const PostLiked = defineEvent("PostLiked", 1, Topics.counters, z.object({ postId: id, userId: id }));

/** A user withdrew a like (no-op when there was none). Aggregate id `LIKE:<postId>`. */
export const PostUnliked = defineEvent("PostUnliked", 1, Topics.counters, z.object({ postId: id, userId: id }));

export const counterEvents = [CounterIncremented, PostLiked, PostUnliked] as const;

export type CounterEvent = EventOf<(typeof counterEvents)[number]>;
