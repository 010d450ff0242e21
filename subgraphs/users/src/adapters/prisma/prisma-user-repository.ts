import { writeOutbox, type EventEnvelope } from "@plaza/events";
import { decodeOptionalCursor, encodeCursor, type CursorPosition, type Shard, type ShardRouter } from "@plaza/sharding";
import { badUserInput, conflict } from "@plaza/kit";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { User, UserWithCredentials } from "../../domain/user.ts";
import type { EdgePage, NewUser, ProfilePatch, UserRepository } from "../../application/ports/user-repository.port.ts";

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** A handle reservation whose user never got created (crash mid sign-up) is reclaimable after this long. */
const ORPHAN_RESERVATION_MS = 60_000;

const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === "P2002";

function toUser(row: {
  id: string;
  email: string;
  handle: string;
  displayName: string;
  bio: string | null;
  followerCount: number;
  followingCount: number;
  createdAt: Date;
}): User {
  return {
    id: row.id,
    email: row.email,
    handle: row.handle,
    displayName: row.displayName,
    bio: row.bio,
    followerCount: row.followerCount,
    followingCount: row.followingCount,
    createdAt: row.createdAt,
  };
}

function parseEdgeCursor(after: string | null): CursorPosition<Date> | null {
  try {
    return decodeOptionalCursor(after, "date") as CursorPosition<Date> | null;
  } catch {
    throw badUserInput("after", "Cursor is invalid");
  }
}

export interface PrismaUserRepositoryDeps {
  shards: ShardRouter<Shard<PrismaClient>>;
  /** Called after a transaction that wrote outbox rows commits (wakes the relay). */
  onOutboxWrite?: () => void;
}

export function createPrismaUserRepository({ shards, onOutboxWrite }: PrismaUserRepositoryDeps): UserRepository {
  const inTx = async <T>(
    client: PrismaClient,
    work: (tx: Tx) => Promise<{ result: T; events: readonly EventEnvelope[] }>,
  ): Promise<T> => {
    const { result, events } = await client.$transaction(async (tx) => {
      const out = await work(tx);
      if (out.events.length) await writeOutbox(tx, out.events);
      return out;
    });
    if (events.length) onOutboxWrite?.();
    return result;
  };

  const handleClient = (handle: string) => shards.forKey(`handle:${handle}`).client;

  async function reserveHandle(handle: string, userId: string): Promise<void> {
    const db = handleClient(handle);
    try {
      await db.userHandle.create({ data: { handle, userId } });
      return;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    const existing = await db.userHandle.findUnique({ where: { handle } });
    if (existing && Date.now() - existing.createdAt.getTime() > ORPHAN_RESERVATION_MS) {
      const [owner] = await repository.findByIds([existing.userId]);
      if (!owner) {
        const taken = await db.userHandle.updateMany({
          where: { handle, userId: existing.userId },
          data: { userId, createdAt: new Date() },
        });
        if (taken.count === 1) return;
      }
    }
    throw conflict("Handle is already taken", { field: "handle" });
  }

  async function listEdges(
    kind: "followers" | "following",
    userId: string,
    first: number,
    after: string | null,
  ): Promise<EdgePage> {
    const cursor = parseEdgeCursor(after);
    const shard = shards.forId(userId);
    if (!shard) return { edges: [], hasNextPage: false };
    const page =
      kind === "followers"
        ? (
            await shard.client.follower.findMany({
              where: {
                followeeId: userId,
                ...(cursor && {
                  OR: [{ createdAt: { lt: cursor.key } }, { createdAt: cursor.key, followerId: { lt: cursor.id } }],
                }),
              },
              orderBy: [{ createdAt: "desc" }, { followerId: "desc" }],
              take: first + 1,
            })
          ).map((r) => ({ userId: r.followerId, createdAt: r.createdAt }))
        : (
            await shard.client.following.findMany({
              where: {
                followerId: userId,
                ...(cursor && {
                  OR: [{ createdAt: { lt: cursor.key } }, { createdAt: cursor.key, followeeId: { lt: cursor.id } }],
                }),
              },
              orderBy: [{ createdAt: "desc" }, { followeeId: "desc" }],
              take: first + 1,
            })
          ).map((r) => ({ userId: r.followeeId, createdAt: r.createdAt }));
    return {
      hasNextPage: page.length > first,
      edges: page.slice(0, first).map((e) => ({ ...e, cursor: encodeCursor(e.createdAt, e.userId) })),
    };
  }

  const repository: UserRepository = {
    async create(input: NewUser, events) {
      // The user lives on the shard of its email, so email uniqueness is one shard's unique index.
      const shard = shards.forKey(input.email);
      const id = shards.newIdForKey(input.email);
      await reserveHandle(input.handle, id);
      try {
        return await inTx(shard.client, async (tx) => {
          const row = await tx.user.create({ data: { id, ...input } });
          const user = toUser(row);
          return { result: user, events: events(user) };
        });
      } catch (err) {
        // Release the handle so a failed sign-up does not hold it.
        await handleClient(input.handle).userHandle.deleteMany({ where: { handle: input.handle, userId: id } });
        if (isUniqueViolation(err)) throw conflict("Email is already registered", { field: "email" });
        throw err;
      }
    },

    async findByIds(ids) {
      const rows = await shards.loadByIds(
        ids,
        (shard, shardIds) => shard.client.user.findMany({ where: { id: { in: shardIds } } }),
        (row) => row.id,
      );
      return rows.map((row) => (row ? toUser(row) : null));
    },

    async findByEmail(email): Promise<UserWithCredentials | null> {
      const row = await shards.forKey(email).client.user.findUnique({ where: { email } });
      return row ? { ...toUser(row), passwordHash: row.passwordHash } : null;
    },

    async findIdByHandle(handle) {
      const row = await handleClient(handle).userHandle.findUnique({ where: { handle } });
      return row?.userId ?? null;
    },

    async updateProfile(id, patch: ProfilePatch, events) {
      const shard = shards.forId(id);
      if (!shard) return null;
      return inTx(shard.client, async (tx) => {
        const updated = await tx.user.updateMany({ where: { id }, data: patch });
        if (updated.count === 0) return { result: null, events: [] };
        const user = toUser((await tx.user.findUnique({ where: { id } }))!);
        return { result: user, events: events(user) };
      });
    },

    async follow(followerId, followeeId, events) {
      const shard = shards.forId(followerId);
      if (!shard) return { created: false };
      return inTx<{ created: boolean }>(shard.client, async (tx) => {
        const inserted = await tx.following.createMany({ data: [{ followerId, followeeId }], skipDuplicates: true });
        if (inserted.count === 0) return { result: { created: false }, events: [] };
        await tx.user.update({ where: { id: followerId }, data: { followingCount: { increment: 1 } } });
        return { result: { created: true }, events: events() };
      });
    },

    async unfollow(followerId, followeeId, events) {
      const shard = shards.forId(followerId);
      if (!shard) return { removed: false };
      return inTx<{ removed: boolean }>(shard.client, async (tx) => {
        const deleted = await tx.following.deleteMany({ where: { followerId, followeeId } });
        if (deleted.count === 0) return { result: { removed: false }, events: [] };
        await tx.user.update({ where: { id: followerId }, data: { followingCount: { decrement: 1 } } });
        return { result: { removed: true }, events: events() };
      });
    },

    async reconcileFollowerIndex(followerId, followeeId) {
      const followerShard = shards.forId(followerId);
      const followeeShard = shards.forId(followeeId);
      if (!followerShard || !followeeShard) return;
      const truth = await followerShard.client.following.findUnique({
        where: { followerId_followeeId: { followerId, followeeId } },
      });
      await followeeShard.client.$transaction(async (tx) => {
        if (truth) {
          const inserted = await tx.follower.createMany({
            data: [{ followeeId, followerId, createdAt: truth.createdAt }],
            skipDuplicates: true,
          });
          if (inserted.count === 1) {
            await tx.user.updateMany({ where: { id: followeeId }, data: { followerCount: { increment: 1 } } });
          }
        } else {
          const deleted = await tx.follower.deleteMany({ where: { followeeId, followerId } });
          if (deleted.count === 1) {
            await tx.user.updateMany({ where: { id: followeeId }, data: { followerCount: { decrement: 1 } } });
          }
        }
      });
    },

    listFollowers: (userId, first, after) => listEdges("followers", userId, first, after),
    listFollowing: (userId, first, after) => listEdges("following", userId, first, after),
  };
  return repository;
}
