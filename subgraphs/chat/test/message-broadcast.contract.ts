import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@plaza/kit";
import { waitFor } from "@plaza/testkit/wait-for";
import { createLiveInbox } from "../src/application/live-inbox.ts";
import { createLiveMessages } from "../src/application/live-messages.ts";
import type { ConversationRepository } from "../src/application/ports/conversation-repository.port.ts";
import type { BroadcastMessage, ChatBroadcast, MessageBroadcast } from "../src/application/ports/message-broadcast.port.ts";
import type { Message } from "../src/domain/message.ts";

export interface OpenedBroadcasts {
  /** Two handles of one deployment (two chat instances; the same object where there is only one process). */
  publisher: MessageBroadcast;
  other: MessageBroadcast;
  close(): Promise<void>;
}

const logger = createLogger({ service: "test", level: "silent" });
let counter = 0;
const message = (conversationId = "CONV"): BroadcastMessage => ({
  kind: "message",
  memberIds: ["ALICE", "BOB"],
  id: `MSG${counter++}`,
  conversationId,
  seq: counter,
  senderId: "ALICE",
  body: "héllo 😀",
  clientMessageId: `c${counter}`,
  createdAt: new Date().toISOString(),
});

/** Only the lookup live messages make (membership when subscribing): one conversation of ALICE and BOB. */
const conversations = {
  findByIds: async (ids: readonly string[]) =>
    ids.map((id) =>
      id === "CONV"
        ? { id, memberIds: ["ALICE", "BOB"], lastSeq: 0, createdBy: "ALICE", createdAt: new Date(), direct: true }
        : null,
    ),
} as unknown as ConversationRepository;

export function runMessageBroadcastContract(name: string, open: () => Promise<OpenedBroadcasts>) {
  describe(`MessageBroadcast contract: ${name}`, () => {
    let opened: OpenedBroadcasts;
    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => opened?.close());

    it("delivers every published message to every listener, in order", async () => {
      const heardHere: ChatBroadcast[] = [];
      const heardThere: ChatBroadcast[] = [];
      const stopHere = await opened.publisher.subscribe((m) => heardHere.push(m));
      const stopThere = await opened.other.subscribe((m) => heardThere.push(m));
      const sent: ChatBroadcast[] = [message(), { kind: "read", conversationId: "CONV", userId: "BOB", readSeq: 3 }, message()];
      for (const m of sent) await opened.publisher.publish(m);
      await waitFor(() => heardHere.length === 3 && heardThere.length === 3, { description: "three messages on both listeners" });
      expect(heardHere).toEqual(sent);
      expect(heardThere).toEqual(sent);
      await stopHere();
      await stopThere();
    });

    it("brings a message sent through one instance to a member subscribed on another; outsiders are refused", async () => {
      const live = createLiveMessages({ broadcast: opened.other, conversations, logger });
      await live.start();
      try {
        const bob = await live.subscribe("BOB", "CONV");
        await expect(live.subscribe("MALLORY", "CONV")).rejects.toMatchObject({ code: "FORBIDDEN" });
        await expect(live.subscribe("BOB", "UNKNOWN")).rejects.toMatchObject({ code: "FORBIDDEN" });
        await expect(live.subscribe(null, "CONV")).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
        const elsewhere = message("OTHER");
        const mine = message();
        await opened.publisher.publish(elsewhere);
        await opened.publisher.publish(mine);
        // Heard twice (a redelivery): delivered once.
        await opened.publisher.publish(mine);
        const next = await bob.next();
        expect(next.value).toEqual<Message>({
          id: mine.id,
          conversationId: "CONV",
          seq: mine.seq,
          senderId: "ALICE",
          body: mine.body,
          clientMessageId: mine.clientMessageId,
          createdAt: new Date(mine.createdAt),
        });
        const after = message();
        await opened.publisher.publish(after);
        expect((await bob.next()).value).toMatchObject({ id: after.id });
        await bob.return!();
        expect((await bob.next()).done).toBe(true);
      } finally {
        await live.stop();
      }
    });

    it("tells a subscribed member which conversation changed and their unread count, on messages and on reads", async () => {
      // Unread: the message's sequence beyond the member's read position (read from their inbox entry).
      let readSeq = 0;
      const chat = {
        unreadCounts: async (_viewer: string, list: readonly { lastSeq: number }[]) => list.map(() => Math.max(0, 7 - readSeq)),
      };
      const inbox = createLiveInbox({ broadcast: opened.other, conversations, chat, logger });
      await inbox.start();
      try {
        const bob = inbox.subscribe("BOB");
        const carol = inbox.subscribe("CAROL");
        await opened.publisher.publish(message());
        expect((await bob.next()).value).toMatchObject({ conversation: { id: "CONV" }, unreadCount: 7 });
        readSeq = 7;
        await opened.publisher.publish({ kind: "read", conversationId: "CONV", userId: "BOB", readSeq: 7 });
        expect((await bob.next()).value).toMatchObject({ conversation: { id: "CONV" }, unreadCount: 0 });
        // CAROL is not a member: nothing for her. Ending her subscription ends its iterator.
        await carol.return!();
        expect((await carol.next()).done).toBe(true);
        await bob.return!();
      } finally {
        await inbox.stop();
      }
    });
  });
}
