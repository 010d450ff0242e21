import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaConversationRepository } from "../src/adapters/prisma/prisma-conversation-repository.ts";
import { createPrismaInboxRepository } from "../src/adapters/prisma/prisma-inbox-repository.ts";
import { conversationRead, conversationStarted, messageSent } from "../src/application/chat-events.ts";
import { messageChanges, startedChanges } from "../src/application/chat.ts";
import type { ConversationRepository } from "../src/application/ports/conversation-repository.port.ts";
import type { InboxRepository } from "../src/application/ports/inbox-repository.port.ts";
import type { Message } from "../src/domain/message.ts";
import type { ChatTestShards } from "./support.ts";

/** One behaviour, two adapters: the same suite runs on real Postgres shards and on PGlite shards. */
export function runChatRepositoriesContract(name: string, open: () => Promise<ChatTestShards>) {
  describe(`chat repositories contract: ${name}`, () => {
    let db: ChatTestShards;
    let conversations: ConversationRepository;
    let inbox: InboxRepository;
    let outboxWrites = 0;
    let n = 0;
    const newUser = () => db.shards.router.newId();
    const cmid = () => `c${n++}`;

    beforeAll(async () => {
      db = await open();
      conversations = createPrismaConversationRepository({ shards: db.shards.router, onOutboxWrite: () => outboxWrites++ });
      inbox = createPrismaInboxRepository({ shards: db.shards.router, onOutboxWrite: () => outboxWrites++ });
    });
    afterAll(async () => db?.close());

    const eventsOf = async (type: string, key: string) =>
      (await db.outbox()).filter((row) => row.type === type && row.key === key);

    const sendOk = async (conversationId: string, senderId: string, body: string, clientMessageId = cmid()): Promise<Message> => {
      const outcome = await conversations.send({ conversationId, senderId, body, clientMessageId }, messageSent);
      if (outcome.kind !== "sent") throw new Error(`expected a new message, got ${outcome.kind}`);
      return outcome.message;
    };

    it("creates a pair's direct conversation once, from either side, with one ConversationStarted", async () => {
      const [a, b] = [newUser(), newUser()];
      const first = await conversations.startDirect({ starterId: a, otherId: b }, conversationStarted);
      const again = await conversations.startDirect({ starterId: b, otherId: a }, conversationStarted);
      expect(first.created).toBe(true);
      expect(again).toEqual({ conversation: first.conversation, created: false });
      expect(first.conversation).toMatchObject({ memberIds: [a, b], lastSeq: 0, direct: true, createdBy: a });
      expect(await eventsOf("ConversationStarted", first.conversation.id)).toHaveLength(1);
    });

    it("creates one direct conversation when both members start it at once", async () => {
      const [a, b] = [newUser(), newUser()];
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          conversations.startDirect(i % 2 ? { starterId: a, otherId: b } : { starterId: b, otherId: a }, conversationStarted),
        ),
      );
      const ids = new Set(results.map((r) => r.conversation.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await eventsOf("ConversationStarted", [...ids][0]!)).toHaveLength(1);
    });

    it("numbers messages 1, 2, 3 … without gaps under concurrent senders, routed beside their conversation", async () => {
      const members = [newUser(), newUser(), newUser()];
      const group = await conversations.startGroup({ starterId: members[0]!, memberIds: members }, conversationStarted);
      expect(group.direct).toBe(false);
      const sent = await Promise.all(Array.from({ length: 30 }, (_, i) => sendOk(group.id, members[i % 3]!, `m${i}`)));
      expect(sent.map((m) => m.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      for (const message of sent) expect(db.shards.router.bucketOfId(message.id)).toBe(db.shards.router.bucketOfId(group.id));
      const newest = await conversations.messagesBefore(group.id, 10, null);
      expect(newest.map((m) => m.seq)).toEqual([30, 29, 28, 27, 26, 25, 24, 23, 22, 21]);
      expect((await conversations.messagesBefore(group.id, 100, 3)).map((m) => m.seq)).toEqual([2, 1]);
      const [found] = await conversations.findByIds([group.id]);
      expect(found!.lastSeq).toBe(30);
      const other = await conversations.startGroup({ starterId: members[0]!, memberIds: members }, conversationStarted);
      const bySeq = await conversations.findMessagesBySeq([
        { conversationId: group.id, seq: 30 },
        { conversationId: other.id, seq: 0 },
        { conversationId: group.id, seq: 1 },
        { conversationId: "garbage", seq: 1 },
      ]);
      expect(bySeq.map((m) => m?.seq ?? null)).toEqual([30, null, 1, null]);
      const events = await eventsOf("MessageSent", group.id);
      expect(events.map((e) => (e.payload.payload as { seq: number }).seq).sort((x, y) => x - y)).toHaveLength(30);
    });

    it("returns the existing message for a repeated clientMessageId and writes nothing, also concurrently", async () => {
      const [a, b] = [newUser(), newUser()];
      const { conversation } = await conversations.startDirect({ starterId: a, otherId: b }, conversationStarted);
      const key = cmid();
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () =>
          conversations.send({ conversationId: conversation.id, senderId: a, body: "once", clientMessageId: key }, messageSent),
        ),
      );
      expect(outcomes.filter((o) => o.kind === "sent")).toHaveLength(1);
      const ids = new Set(outcomes.map((o) => (o.kind === "not_member" ? null : o.message.id)));
      expect(ids.size).toBe(1);
      const [after] = await conversations.findByIds([conversation.id]);
      // The refused attempts' sequence numbers were rolled back: no gap.
      expect(after!.lastSeq).toBe(1);
      expect(await eventsOf("MessageSent", conversation.id)).toHaveLength(1);
      const next = await sendOk(conversation.id, b, "reply");
      expect(next.seq).toBe(2);
    });

    it("refuses non-members and unknown or malformed conversations without writing", async () => {
      const [a, b, outsider] = [newUser(), newUser(), newUser()];
      const { conversation } = await conversations.startDirect({ starterId: a, otherId: b }, conversationStarted);
      for (const conversationId of [conversation.id, db.shards.router.newId(), "garbage"]) {
        const outcome = await conversations.send(
          { conversationId, senderId: outsider, body: "x", clientMessageId: cmid() },
          messageSent,
        );
        expect(outcome).toEqual({ kind: "not_member" });
      }
      expect((await conversations.findByIds([conversation.id]))[0]!.lastSeq).toBe(0);
      expect(await conversations.findByIds(["garbage", db.shards.router.newId()])).toEqual([null, null]);
    });

    it("applies inbox changes idempotently and in any order; lists one member's conversations by activity", async () => {
      const [a, b, c] = [newUser(), newUser(), newUser()];
      const one = await conversations.startGroup({ starterId: a, memberIds: [a, b, c] }, conversationStarted);
      const two = (await conversations.startDirect({ starterId: a, otherId: b }, conversationStarted)).conversation;
      await inbox.apply([...startedChanges(one), ...startedChanges(two)]);
      const m1 = await sendOk(one.id, a, "first");
      const m2 = await sendOk(one.id, b, "second");
      const m3 = await sendOk(two.id, a, "third");
      // Newest first, redelivered, and the oldest again at the end: nothing moves back.
      await inbox.apply([...messageChanges(m2, one.memberIds), ...messageChanges(m3, two.memberIds)]);
      await inbox.apply([...messageChanges(m2, one.memberIds), ...messageChanges(m1, one.memberIds)]);
      const entries = await inbox.entries(b, [one.id, two.id]);
      const byId = new Map(entries.map((e) => [e.conversationId, e]));
      expect(byId.get(one.id)).toMatchObject({ lastSeq: 2, lastMessageId: m2.id, readSeq: 2 });
      expect(byId.get(two.id)).toMatchObject({ lastSeq: 1, lastMessageId: m3.id, readSeq: 0 });
      expect((await inbox.entries(a, [one.id]))[0]).toMatchObject({ lastSeq: 2, readSeq: 1 });
      expect((await inbox.entries(c, [one.id]))[0]).toMatchObject({ lastSeq: 2, readSeq: 0 });
      const page = await inbox.list(a, 1, null);
      expect(page.entries.map((e) => e.conversationId)).toEqual([two.id]);
      expect(page.hasNextPage).toBe(true);
      const rest = await inbox.list(a, 10, { at: page.entries[0]!.lastActivityAt, conversationId: two.id });
      expect(rest.entries.map((e) => e.conversationId)).toEqual([one.id]);
      expect(rest.hasNextPage).toBe(false);
    });

    it("moves a read position forward only, with one ConversationRead per move, under racing reads", async () => {
      const [a, b] = [newUser(), newUser()];
      const { conversation } = await conversations.startDirect({ starterId: a, otherId: b }, conversationStarted);
      const sent = [];
      for (let i = 0; i < 5; i++) sent.push(await sendOk(conversation.id, a, `m${i}`));
      const readTo = (message: Message) =>
        inbox.markRead(
          { userId: b, conversationId: conversation.id, seq: message.seq, at: message.createdAt },
          conversationRead({
            conversationId: conversation.id,
            userId: b,
            messageId: message.id,
            seq: message.seq,
            readAt: new Date(),
          }),
        );
      // Before the member's entry arrived from the events: created by the read.
      expect((await readTo(sent[1]!)).readSeq).toBe(2);
      const raced = await Promise.all([sent[3]!, sent[0]!, sent[4]!, sent[2]!, sent[3]!].map(readTo));
      for (const entry of raced) expect(entry.readSeq).toBeGreaterThanOrEqual(2);
      expect((await inbox.entries(b, [conversation.id]))[0]!.readSeq).toBe(5);
      expect((await readTo(sent[0]!)).readSeq).toBe(5);
      const reads = await eventsOf("ConversationRead", conversation.id);
      // 2 → then at most the forward moves among the race (4 and/or 5): never for older positions.
      const seqs = reads.map((e) => (e.payload.payload as { seq: number }).seq);
      expect(seqs[0]).toBe(2);
      expect(seqs.every((s) => s === 2 || s === 4 || s === 5)).toBe(true);
      expect(seqs.length).toBeLessThanOrEqual(3);
    });
  });
}
