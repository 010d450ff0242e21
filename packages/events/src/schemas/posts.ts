import { z } from "zod";
import { defineEvent, type EventOf } from "../registry.ts";
import { Topics } from "../topics.ts";

const id = z.string().min(1);
const timestamp = z.iso.datetime({ offset: true });

/** Aggregate id: the post's id (its bucket is the author's, so one author's posts share a shard). */
export const PostCreated = defineEvent(
  "PostCreated",
  1,
  Topics.posts,
  z.object({ postId: id, authorId: id, body: z.string(), createdAt: timestamp }),
);

/** Aggregate id: the post's id. */
export const PostDeleted = defineEvent(
  "PostDeleted",
  1,
  Topics.posts,
  z.object({ postId: id, authorId: id, deletedAt: timestamp }),
);

export const postEvents = [PostCreated, PostDeleted] as const;

export type PostEvent = EventOf<(typeof postEvents)[number]>;
