import type { Shard, ShardRouter } from "@plaza/sharding";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { FollowChange, FollowChangeOutcome, FollowGraph } from "../../application/ports/follow-graph.port.ts";

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

interface EdgeVersion {
  active: boolean;
  changed_at: Date | null;
  event_id: string | null;
}

/**
 * Whether `change` supersedes the stored version. Same time, different event: the later delivery wins. Events of
 * one follower arrive in order (their aggregate id is the follower), and a redelivery replays every later event
 * too, so that converges; the ids of two events say nothing about their order.
 */
function outcomeOf(stored: EdgeVersion, change: FollowChange): FollowChangeOutcome {
  if (stored.event_id === change.eventId) return "duplicate";
  if (stored.changed_at === null) return "applied";
  const storedAt = new Date(stored.changed_at).getTime();
  return change.at.getTime() >= storedAt ? "applied" : "stale";
}

const CHUNK = 1_000;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function createPrismaFollowGraph({ shards }: { shards: ShardRouter<Shard<PrismaClient>> }): FollowGraph {
  /** The followee's side: who to fan out to, and the follower count that decides fan-out vs pull. */
  async function applyFolloweeSide(tx: Tx, change: FollowChange): Promise<FollowChangeOutcome> {
    const key = { followeeId: change.followeeId, followerId: change.followerId };
    // An unversioned inactive row first, so the SELECT … FOR UPDATE below always has a row to lock (concurrent
    // first deliveries then serialize instead of racing on the insert).
    await tx.feedFollower.createMany({ data: [key], skipDuplicates: true });
    const [stored] = await tx.$queryRaw<EdgeVersion[]>`
      SELECT active, changed_at, event_id FROM feed_followers
      WHERE followee_id = ${change.followeeId} AND follower_id = ${change.followerId} FOR UPDATE`;
    const outcome = outcomeOf(stored!, change);
    if (outcome !== "applied") return outcome;
    await tx.feedFollower.update({
      where: { followeeId_followerId: key },
      data: { active: change.following, changedAt: change.at, eventId: change.eventId },
    });
    if (stored!.active !== change.following) {
      await tx.feedAuthor.createMany({ data: [{ authorId: change.followeeId }], skipDuplicates: true });
      await tx.feedAuthor.update({
        where: { authorId: change.followeeId },
        data: { followerCount: { increment: change.following ? 1 : -1 } },
      });
    }
    return outcome;
  }

  /** The follower's side: whose posts build the follower's timeline. */
  async function applyFollowerSide(tx: Tx, change: FollowChange): Promise<FollowChangeOutcome> {
    const key = { followerId: change.followerId, followeeId: change.followeeId };
    await tx.feedFollowing.createMany({ data: [key], skipDuplicates: true });
    const [stored] = await tx.$queryRaw<EdgeVersion[]>`
      SELECT active, changed_at, event_id FROM feed_following
      WHERE follower_id = ${change.followerId} AND followee_id = ${change.followeeId} FOR UPDATE`;
    const outcome = outcomeOf(stored!, change);
    if (outcome !== "applied") return outcome;
    await tx.feedFollowing.update({
      where: { followerId_followeeId: key },
      data: { active: change.following, changedAt: change.at, eventId: change.eventId },
    });
    return outcome;
  }

  return {
    async apply(change) {
      const followeeShard = shards.forId(change.followeeId);
      const followerShard = shards.forId(change.followerId);
      if (!followeeShard || !followerShard) return "stale";
      // Two shards, two transactions: each side is versioned on its own, so a crash between them heals when the
      // event is redelivered (the applied side answers "duplicate", the other applies).
      const followeeSide = await followeeShard.client.$transaction((tx) => applyFolloweeSide(tx, change));
      const followerSide = await followerShard.client.$transaction((tx) => applyFollowerSide(tx, change));
      if (followerSide === "applied" || followeeSide === "applied") return "applied";
      return followerSide === "duplicate" || followeeSide === "duplicate" ? "duplicate" : "stale";
    },

    async followerCount(authorId) {
      const row = await shards.forId(authorId)?.client.feedAuthor.findUnique({ where: { authorId } });
      return row?.followerCount ?? 0;
    },

    async followersPage(authorId, limit, afterFollowerId) {
      const shard = shards.forId(authorId);
      if (!shard) return [];
      const rows = await shard.client.feedFollower.findMany({
        where: { followeeId: authorId, active: true, ...(afterFollowerId !== null && { followerId: { gt: afterFollowerId } }) },
        orderBy: { followerId: "asc" },
        select: { followerId: true },
        take: limit,
      });
      return rows.map((row) => row.followerId);
    },

    async followersAmong(authorId, candidates) {
      const shard = shards.forId(authorId);
      if (!shard || candidates.length === 0) return [];
      const found = await Promise.all(
        chunks(candidates).map((part) =>
          shard.client.feedFollower.findMany({
            where: { followeeId: authorId, active: true, followerId: { in: part } },
            select: { followerId: true },
          }),
        ),
      );
      return found.flat().map((row) => row.followerId);
    },

    async followees(viewerId, limit) {
      const shard = shards.forId(viewerId);
      if (!shard) return [];
      const rows = await shard.client.feedFollowing.findMany({
        where: { followerId: viewerId, active: true },
        select: { followeeId: true },
        orderBy: { changedAt: "desc" },
        take: limit,
      });
      return rows.map((row) => row.followeeId);
    },

    async followeesAmong(viewerId, candidates) {
      const shard = shards.forId(viewerId);
      if (!shard || candidates.length === 0) return [];
      const found = await Promise.all(
        chunks(candidates).map((part) =>
          shard.client.feedFollowing.findMany({
            where: { followerId: viewerId, active: true, followeeId: { in: part } },
            select: { followeeId: true },
          }),
        ),
      );
      return found.flat().map((row) => row.followeeId);
    },

    async authorsWithMoreFollowersThan(threshold) {
      const perShard = await Promise.all(
        shards
          .all()
          .map((shard) =>
            shard.client.feedAuthor.findMany({ where: { followerCount: { gt: threshold } }, select: { authorId: true } }),
          ),
      );
      return perShard.flat().map((row) => row.authorId);
    },
  };
}
