import { createEvent, PostCreated, PostDeleted, type OutboxEvents } from "@plaza/events/contracts";
import type { Post } from "../domain/post.ts";

// The posts subgraph's events, decided here (application layer) and handed to the repository that makes the
// change, which writes them to the outbox in the change's transaction only if the change happened.

export const postCreated: OutboxEvents<Post> = (post) => [
  createEvent(PostCreated, post.id, {
    postId: post.id,
    authorId: post.authorId,
    body: post.body,
    createdAt: post.createdAt.toISOString(),
  }),
];

export const postDeleted =
  (postId: string, authorId: string): OutboxEvents =>
  () => [createEvent(PostDeleted, postId, { postId, authorId, deletedAt: new Date().toISOString() })];
