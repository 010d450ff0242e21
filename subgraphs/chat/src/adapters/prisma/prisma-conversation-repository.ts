import { writeOutbox, type OutboxEvents } from "@plaza/events";
import type { Shard, ShardRouter } from "@plaza/sharding";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { directKey, type Conversation } from "../../domain/conversation.ts";
import type { Message } from "../../domain/message.ts";
import type { ConversationRepository, SendOutcome } from "../../application/ports/conversation-repository.port.ts";

type ConversationRow = {
  id: string;
  directKey: string | null;
  memberIds: string[];
  lastSeq: number;
  createdBy: string;
  createdAt: Date;
};

const toConversation = (row: ConversationRow): Conversation => ({
  id: row.id,
  memberIds: row.memberIds,
  lastSeq: row.lastSeq,
  createdBy: row.createdBy,
  createdAt: row.createdAt,
  direct: row.directKey !== null,
});

const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === "P2002";

/** Thrown inside a send's transaction to roll back its sequence increment when nothing is to be written. */
class NothingToSend {
  constructor(readonly outcome: SendOutcome) {}
}

export interface PrismaConversationRepositoryDeps {
  shards: ShardRouter<Shard<PrismaClient>>;
  /** Called after a transaction that wrote outbox rows commits (wakes the relay). */
  onOutboxWrite?: () => void;
}

export function createPrismaConversationRepository({
  shards,
  onOutboxWrite,
}: PrismaConversationRepositoryDeps): ConversationRepository {
  async function create(
    id: string,
    data: { directKey: string | null; memberIds: string[]; createdBy: string },
    events: OutboxEvents<Conversation>,
  ): Promise<Conversation> {
    const conversation = await shards.forId(id)!.client.$transaction(async (tx) => {
      const row = await tx.conversation.create({ data: { id, ...data, createdAt: new Date() } });
      const conversation = toConversation(row);
      await writeOutbox(tx, events(conversation));
      return conversation;
    });
    onOutboxWrite?.();
    return conversation;
  }

  return {
    async startDirect({ starterId, otherId }, events) {
      // The pair's key picks the bucket, so its unique index is one shard's: the pair has one conversation.
      const key = directKey(starterId, otherId);
      const id = shards.newIdForKey(key);
      const shard = shards.forId(id)!;
      const existing = await shard.client.conversation.findUnique({ where: { directKey: key } });
      if (existing) return { conversation: toConversation(existing), created: false };
      try {
        return {
          conversation: await create(id, { directKey: key, memberIds: [starterId, otherId], createdBy: starterId }, events),
          created: true,
        };
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // Both started it at once: the other start won.
        const row = await shard.client.conversation.findUnique({ where: { directKey: key } });
        if (!row) throw err;
        return { conversation: toConversation(row), created: false };
      }
    },

    startGroup({ starterId, memberIds }, events) {
      return create(shards.newId(), { directKey: null, memberIds, createdBy: starterId }, events);
    },

    async findByIds(ids) {
      const rows = await shards.loadByIds(
        ids,
        (shard, shardIds) => shard.client.conversation.findMany({ where: { id: { in: shardIds } } }),
        (row) => row.id,
      );
      return rows.map((row) => (row ? toConversation(row) : null));
    },

    async send({ conversationId, senderId, body, clientMessageId }, events) {
      const shard = shards.forId(conversationId);
      if (!shard) return { kind: "not_member" };
      const client = shard.client;
      const findExisting = () =>
        client.message.findUnique({
          where: { conversationId_senderId_clientMessageId: { conversationId, senderId, clientMessageId } },
        });
      try {
        const outcome = await client.$transaction(async (tx): Promise<SendOutcome> => {
          // Taking the next sequence locks the conversation row until commit: sends to one conversation commit in
          // sequence order, so a reader never sees message n+1 without message n.
          const rows = await tx.conversation.updateManyAndReturn({
            where: { id: conversationId },
            data: { lastSeq: { increment: 1 } },
          });
          const row = rows[0];
          if (!row || !row.memberIds.includes(senderId)) throw new NothingToSend({ kind: "not_member" });
          // Read after the lock: a concurrent send with the same clientMessageId has committed by now.
          const existing = await tx.message.findUnique({
            where: { conversationId_senderId_clientMessageId: { conversationId, senderId, clientMessageId } },
          });
          if (existing) throw new NothingToSend({ kind: "existing", message: existing });
          const conversation = toConversation(row);
          const message: Message = await tx.message.create({
            data: {
              id: shards.newIdBeside(conversationId),
              conversationId,
              seq: row.lastSeq,
              senderId,
              body,
              clientMessageId,
              createdAt: new Date(),
            },
          });
          await writeOutbox(tx, events({ message, conversation }));
          return { kind: "sent", message, conversation };
        });
        onOutboxWrite?.();
        return outcome;
      } catch (err) {
        if (err instanceof NothingToSend) return err.outcome;
        if (!isUniqueViolation(err)) throw err;
        const existing = await findExisting();
        if (!existing) throw err;
        return { kind: "existing", message: existing };
      }
    },

    async findMessagesByIds(ids) {
      return shards.loadByIds(
        ids,
        (shard, shardIds) => shard.client.message.findMany({ where: { id: { in: shardIds } } }),
        (row) => row.id,
      );
    },

    async findMessagesBySeq(keys) {
      const groups = shards.groupByShard(keys, (key) => shards.bucketOfId(key.conversationId));
      const found = new Map<string, Message>();
      await Promise.all(
        groups.map(async ({ shard, items }) => {
          const rows = await shard.client.message.findMany({
            where: { OR: items.map(({ conversationId, seq }) => ({ conversationId, seq })) },
          });
          for (const row of rows) found.set(`${row.conversationId}:${row.seq}`, row);
        }),
      );
      return keys.map((key) => found.get(`${key.conversationId}:${key.seq}`) ?? null);
    },

    async messagesBefore(conversationId, limit, beforeSeq) {
      const shard = shards.forId(conversationId);
      if (!shard || limit <= 0) return [];
      return shard.client.message.findMany({
        where: { conversationId, ...(beforeSeq !== null && { seq: { lt: beforeSeq } }) },
        orderBy: { seq: "desc" },
        take: limit,
      });
    },
  };
}
