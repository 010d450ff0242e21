import type { Shard, ShardRouter } from "@plaza/sharding";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { PostProjection } from "../../application/ports/post-directory.port.ts";

/** The post projection on the counters shards, a row per post id on the shard of the id's own hash. */
export function createPrismaPostDirectory(options: { shards: ShardRouter<Shard<PrismaClient>> }): PostProjection {
  const clientFor = (postId: string) => options.shards.forKey(postId).client;
  const status: PostProjection["status"] = async (postId) => {
    const post = await clientFor(postId).knownPost.findUnique({ where: { postId }, select: { deletedAt: true } });
    return post === null ? "unknown" : post.deletedAt === null ? "live" : "deleted";
  };
  return {
    status,
    async recordCreated({ postId, authorId, createdAt }) {
      // Never overwrites: a PostDeleted that arrived first (or a replay) keeps the post deleted.
      await clientFor(postId).knownPost.upsert({
        where: { postId },
        create: { postId, authorId, createdAt },
        update: {},
      });
    },
    async recordDeleted({ postId, authorId, deletedAt }) {
      await clientFor(postId).knownPost.upsert({
        where: { postId },
        create: { postId, authorId, deletedAt },
        update: { deletedAt },
      });
    },
    isLive: async (postId) => (await status(postId)) === "live",
  };
}
