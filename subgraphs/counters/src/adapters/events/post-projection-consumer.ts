import { createEventDispatcher, PostCreated, PostDeleted, type EventBus, type Subscription } from "@plaza/events";
import type { Logger } from "pino";
import type { PostDirectory } from "../../application/ports/post-directory.port.ts";

export const POST_PROJECTION_GROUP = "counters.post-projection";

/**
 * Keeps the post projection behind likePost's NOT_FOUND check. Reads the posts topic from the oldest retained event
 * on first start (posts created before this service existed can be liked too); both writes are idempotent upserts,
 * so redelivery is harmless.
 */
export async function startPostProjectionConsumer(deps: {
  bus: EventBus;
  posts: PostDirectory;
  logger: Logger;
  /** Resolves when the stores the handler writes to are reachable: failures during an outage are retried, not dead-lettered. */
  dependenciesUp?: () => Promise<void>;
}): Promise<Subscription> {
  const dispatcher = createEventDispatcher()
    .on(PostCreated, async (event) => {
      const { postId, authorId, createdAt } = event.payload;
      await deps.posts.recordCreated({ postId, authorId, createdAt: new Date(createdAt) });
    })
    .on(PostDeleted, async (event) => {
      const { postId, authorId, deletedAt } = event.payload;
      await deps.posts.recordDeleted({ postId, authorId, deletedAt: new Date(deletedAt) });
    });
  return deps.bus.subscribe({
    groupId: POST_PROJECTION_GROUP,
    topics: dispatcher.topics,
    handler: dispatcher.handle,
    fromBeginning: true,
    dependenciesUp: deps.dependenciesUp,
  });
}
