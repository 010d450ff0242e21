import { writeOutbox } from "@plaza/events";
import type { Shard, ShardRouter } from "@plaza/sharding";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { SessionStatus, SessionStore } from "../../application/ports/session-store.port.ts";

export interface PrismaSessionStoreDeps {
  shards: ShardRouter<Shard<PrismaClient>>;
  /** Called after a transaction that wrote outbox rows commits (wakes the relay). */
  onOutboxWrite?: () => void;
}

export function createPrismaSessionStore({ shards, onOutboxWrite }: PrismaSessionStoreDeps): SessionStore {
  return {
    async tokenVersion(userId) {
      const row = await shards.forId(userId)?.client.user.findUnique({ where: { id: userId }, select: { tokenVersion: true } });
      return row ? row.tokenVersion : null;
    },

    async status(userId, sessionId, tokenVersion): Promise<SessionStatus> {
      const db = shards.forId(userId)?.client;
      if (!db) return "no-user";
      const [user, revoked] = await Promise.all([
        db.user.findUnique({ where: { id: userId }, select: { tokenVersion: true } }),
        sessionId === null
          ? null
          : db.revokedSession.findUnique({ where: { userId_sessionId: { userId, sessionId } }, select: { userId: true } }),
      ]);
      if (!user) return "no-user";
      return user.tokenVersion !== tokenVersion || revoked ? "revoked" : "active";
    },

    async revokeSession(userId, sessionId, expiresAt, events) {
      const db = shards.forId(userId)?.client;
      if (!db) return;
      const now = new Date();
      const wrote = await db.$transaction(async (tx) => {
        // Rows of tokens that have expired anyway are of no use: each sign-out sweeps the user's own.
        await tx.revokedSession.deleteMany({ where: { userId, expiresAt: { lt: now } } });
        const { count } = await tx.revokedSession.createMany({
          data: [{ userId, sessionId, expiresAt }],
          skipDuplicates: true,
        });
        if (count === 0) return false;
        await writeOutbox(tx, events({ revokedAt: now }));
        return true;
      });
      if (wrote) onOutboxWrite?.();
    },

    async revokeAll(userId, events) {
      const db = shards.forId(userId)?.client;
      if (!db) return null;
      const version = await db.$transaction(async (tx) => {
        const updated = await tx.user
          .update({ where: { id: userId }, data: { tokenVersion: { increment: 1 } }, select: { tokenVersion: true } })
          .catch((err: unknown) => {
            if ((err as { code?: string })?.code === "P2025") return null; // no such user
            throw err;
          });
        if (!updated) return null;
        await writeOutbox(tx, events({ tokenVersion: updated.tokenVersion }));
        return updated.tokenVersion;
      });
      if (version !== null) onOutboxWrite?.();
      return version;
    },
  };
}
