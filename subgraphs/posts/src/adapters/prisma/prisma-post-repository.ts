import { writeOutbox } from "@plaza/events";
import { idTime, type Shard, type ShardRouter } from "@plaza/sharding";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Post } from "../../domain/post.ts";
import { mergeFeedPositions, type FeedPosition } from "../../domain/feed-position.ts";
import type { PostPage, PostRepository } from "../../application/ports/post-repository.port.ts";

type Row = { id: string; authorId: string; body: string; createdAt: Date };

const toPost = (row: Row): Post => ({ id: row.id, authorId: row.authorId, body: row.body, createdAt: row.createdAt });

/** Rows strictly after (createdAt, id) in newest-first order. */
function olderThan(createdAt: Date, id: string) {
  return { OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] };
}

export interface PrismaPostRepositoryDeps {
  shards: ShardRouter<Shard<PrismaClient>>;
  /** Called after a transaction that wrote outbox rows commits (wakes the relay). */
  onOutboxWrite?: () => void;
}

export function createPrismaPostRepository({ shards, onOutboxWrite }: PrismaPostRepositoryDeps): PostRepository {
  return {
    async create({ authorId, body }, events) {
      // The post lives in its author's bucket: User.posts is one shard's query and the id routes post(id).
      const id = shards.newIdBeside(authorId);
      const createdAt = idTime(id)!;
      const post = await shards.forId(id)!.client.$transaction(async (tx) => {
        const post = toPost(await tx.post.create({ data: { id, authorId, body, createdAt } }));
        await writeOutbox(tx, events(post));
        return post;
      });
      onOutboxWrite?.();
      return post;
    },

    async delete(postId, authorId, events) {
      const shard = shards.forId(postId);
      if (!shard) return false;
      const deleted = await shard.client.$transaction(async (tx) => {
        const { count } = await tx.post.deleteMany({ where: { id: postId, authorId } });
        if (count === 0) return false;
        await writeOutbox(tx, events());
        return true;
      });
      if (deleted) onOutboxWrite?.();
      return deleted;
    },

    async findByIds(ids) {
      const rows = await shards.loadByIds(
        ids,
        (shard, shardIds) => shard.client.post.findMany({ where: { id: { in: shardIds } } }),
        (row) => row.id,
      );
      return rows.map((row) => (row ? toPost(row) : null));
    },

    async listByAuthor(authorId, first, after): Promise<PostPage> {
      const shard = shards.forId(authorId);
      if (!shard || first === 0) return { posts: [], hasNextPage: false };
      const rows = await shard.client.post.findMany({
        where: { authorId, ...(after && olderThan(after.createdAt, after.id)) },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: first + 1,
      });
      return { posts: rows.slice(0, first).map(toPost), hasNextPage: rows.length > first };
    },

    async recentByAuthors(authorIds, limit, after: FeedPosition | null) {
      if (authorIds.length === 0 || limit <= 0) return [];
      const position = after && olderThan(new Date(after.score), after.postId);
      const perShard = await Promise.all(
        shards.groupIdsByShard(authorIds).map(({ shard, ids }) =>
          shard.client.post.findMany({
            where: { authorId: { in: ids }, ...position },
            orderBy: [{ createdAt: "desc" }, { id: "desc" }],
            take: limit,
          }),
        ),
      );
      const lists = perShard.map((rows) =>
        rows.map((row) => ({ ...toPost(row), score: row.createdAt.getTime(), postId: row.id })),
      );
      return mergeFeedPositions(lists, limit).map(({ score: _score, postId: _postId, ...post }) => post);
    },
  };
}
