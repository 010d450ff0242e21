import { writeOutbox } from "@plaza/events";
import type { Shard, ShardRouter } from "@plaza/sharding";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { InboxChange, InboxEntry, InboxRepository } from "../../application/ports/inbox-repository.port.ts";

type Executor = { $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number> };

// Every column only moves forward: a change applied twice, or after a newer one, leaves the entry as it was.
const UPSERT_SET = `
  last_activity_at = GREATEST(chat_inbox.last_activity_at, EXCLUDED.last_activity_at),
  last_message_id = CASE WHEN EXCLUDED.last_seq > chat_inbox.last_seq AND EXCLUDED.last_message_id IS NOT NULL THEN EXCLUDED.last_message_id ELSE chat_inbox.last_message_id END,
  last_seq = GREATEST(chat_inbox.last_seq, EXCLUDED.last_seq),
  read_seq = GREATEST(chat_inbox.read_seq, EXCLUDED.read_seq)`;

interface InboxRow {
  userId: string;
  conversationId: string;
  at: Date;
  lastSeq: number;
  lastMessageId: string | null;
  readSeq: number;
}

/** One row per (user, conversation), each column the furthest any change says: one INSERT cannot touch a row twice. */
function rowsOf(changes: readonly InboxChange[]): InboxRow[] {
  const byKey = new Map<string, InboxRow>();
  for (const change of changes) {
    const key = `${change.userId}\u0000${change.conversationId}`;
    const row = byKey.get(key) ?? {
      userId: change.userId,
      conversationId: change.conversationId,
      at: change.at,
      lastSeq: 0,
      lastMessageId: null,
      readSeq: 0,
    };
    if (change.at > row.at) row.at = change.at;
    if (change.messageId !== null && change.seq >= row.lastSeq) {
      row.lastSeq = change.seq;
      row.lastMessageId = change.messageId;
    }
    if (change.read) row.readSeq = Math.max(row.readSeq, change.seq);
    byKey.set(key, row);
  }
  return [...byKey.values()];
}

async function upsert(tx: Executor, rows: readonly InboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  const values: unknown[] = [];
  const tuples = rows.map((row) => {
    const n = values.length;
    values.push(row.userId, row.conversationId, row.at.toISOString(), row.lastSeq, row.lastMessageId, row.readSeq);
    return `($${n + 1}, $${n + 2}, $${n + 3}::timestamptz, $${n + 4}::int, $${n + 5}, $${n + 6}::int)`;
  });
  await tx.$executeRawUnsafe(
    `INSERT INTO chat_inbox (user_id, conversation_id, last_activity_at, last_seq, last_message_id, read_seq)
     VALUES ${tuples.join(", ")}
     ON CONFLICT (user_id, conversation_id) DO UPDATE SET ${UPSERT_SET}`,
    ...values,
  );
}

export interface PrismaInboxRepositoryDeps {
  shards: ShardRouter<Shard<PrismaClient>>;
  onOutboxWrite?: () => void;
}

export function createPrismaInboxRepository({ shards, onOutboxWrite }: PrismaInboxRepositoryDeps): InboxRepository {
  return {
    async apply(changes) {
      const groups = shards.groupByShard(changes, (change) => shards.bucketOfId(change.userId));
      await Promise.all(
        groups.map(async ({ shard, items }) => {
          await upsert(shard.client, rowsOf(items));
        }),
      );
    },

    async list(userId, first, after) {
      const shard = shards.forId(userId);
      if (!shard || first === 0) return { entries: [], hasNextPage: false };
      const rows = await shard.client.inboxEntry.findMany({
        where: {
          userId,
          ...(after && {
            OR: [
              { lastActivityAt: { lt: after.at } },
              { lastActivityAt: after.at, conversationId: { lt: after.conversationId } },
            ],
          }),
        },
        orderBy: [{ lastActivityAt: "desc" }, { conversationId: "desc" }],
        take: first + 1,
      });
      return { entries: rows.slice(0, first), hasNextPage: rows.length > first };
    },

    async entries(userId, conversationIds) {
      const shard = shards.forId(userId);
      if (!shard || conversationIds.length === 0) return [];
      return shard.client.inboxEntry.findMany({ where: { userId, conversationId: { in: [...conversationIds] } } });
    },

    async markRead({ userId, conversationId, seq, at }, events) {
      const shard = shards.forId(userId)!;
      const key = { userId_conversationId: { userId, conversationId } };
      let wrote = false;
      const entry = await shard.client.$transaction(async (tx): Promise<InboxEntry> => {
        // Created (as the event would) when this member's entry has not arrived yet, then locked.
        await upsert(tx, [{ userId, conversationId, at, lastSeq: 0, lastMessageId: null, readSeq: 0 }]);
        const current = await tx.inboxEntry.findUniqueOrThrow({ where: key });
        if (current.readSeq >= seq) return current;
        await tx.$executeRawUnsafe(
          `UPDATE chat_inbox SET read_seq = GREATEST(read_seq, $3::int) WHERE user_id = $1 AND conversation_id = $2`,
          userId,
          conversationId,
          seq,
        );
        await writeOutbox(tx, events());
        wrote = true;
        return tx.inboxEntry.findUniqueOrThrow({ where: key });
      });
      if (wrote) onOutboxWrite?.();
      return entry;
    },
  };
}
