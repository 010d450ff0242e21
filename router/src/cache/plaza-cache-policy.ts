import type { EntityRef, ResponseCachePolicy } from "./cache-policy.ts";

const user = (id: unknown): EntityRef[] => (typeof id === "string" ? [{ typename: "User", id }] : []);
const post = (id: unknown): EntityRef[] => (typeof id === "string" ? [{ typename: "Post", id }] : []);
const input = (args: Record<string, unknown>) => (args.input ?? {}) as Record<string, unknown>;

/**
 * Plaza's cache policy: what is per viewer, what is never cached, and what mutations change beyond their own
 * result. Domain events invalidate the same entities on every router (see invalidation-events.ts).
 *
 * Never cached: the home feed (new posts of followed authors reach it by fan-out, which raises no event the router
 * could key on), chat and payments (private, fast-moving, or money). Per viewer: `me` and `viewerHasLiked`.
 */
export function plazaCachePolicy(
  overrides: { defaultTtlMs?: number; defaultScope?: ResponseCachePolicy["defaultScope"] } = {},
): ResponseCachePolicy {
  return {
    defaultTtlMs: overrides.defaultTtlMs ?? 60_000,
    defaultScope: overrides.defaultScope ?? "PUBLIC",
    ttl: {
      "Query.feed": 0,
      "Query.conversations": 0,
      "Query.conversation": 0,
      "Query.payment": 0,
      "User.payments": 0,
      "User.membership": 0,
      Conversation: 0,
      Message: 0,
      Payment: 0,
      // Views change constantly and raise an event each; a short TTL keeps invalidation traffic useful.
      "Post.viewCount": 10_000,
    },
    private: ["Query.me", "Post.viewerHasLiked"],
    idFields: ["id", "resourceId"],
    mutations: {
      "Mutation.updateProfile": ({ viewerId }) => user(viewerId),
      "Mutation.follow": ({ args, viewerId }) => [...user(viewerId), ...user(args.userId)],
      "Mutation.unfollow": ({ args, viewerId }) => [...user(viewerId), ...user(args.userId)],
      "Mutation.signUp": () => [{ typename: "User" }],
      "Mutation.createPost": ({ viewerId }) => user(viewerId),
      "Mutation.deletePost": ({ args, viewerId }) => [...post(args.id), ...user(viewerId)],
      "Mutation.likePost": ({ args }) => [...post(args.postId), { typename: "Counter", id: String(args.postId) }],
      "Mutation.unlikePost": ({ args }) => [...post(args.postId), { typename: "Counter", id: String(args.postId) }],
      "Mutation.incrementCounter": ({ args }) => {
        const resourceId = input(args).resourceId;
        return typeof resourceId === "string" ? [...post(resourceId), { typename: "Counter", id: resourceId }] : [];
      },
    },
  };
}
