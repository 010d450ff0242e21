import { ConversationRead, ConversationStarted, createEvent, MessageSent, type OutboxEvents } from "@plaza/events/contracts";
import type { Conversation } from "../domain/conversation.ts";
import type { Message } from "../domain/message.ts";

// The chat subgraph's events, decided here (application layer) and handed to the repository that makes the change,
// which writes them to the outbox in the change's transaction only if the change happened. Keyed by conversation:
// one conversation's events stay in order on one partition.

export const conversationStarted: OutboxEvents<Conversation> = (conversation) => [
  createEvent(ConversationStarted, conversation.id, {
    conversationId: conversation.id,
    memberIds: conversation.memberIds,
    startedBy: conversation.createdBy,
    createdAt: conversation.createdAt.toISOString(),
  }),
];

export const messageSent: OutboxEvents<{ message: Message; conversation: Conversation }> = ({ message, conversation }) => [
  createEvent(MessageSent, conversation.id, {
    messageId: message.id,
    conversationId: conversation.id,
    seq: message.seq,
    senderId: message.senderId,
    memberIds: conversation.memberIds,
    body: message.body,
    createdAt: message.createdAt.toISOString(),
  }),
];

export const conversationRead =
  (read: { conversationId: string; userId: string; messageId: string; seq: number; readAt: Date }): OutboxEvents =>
  () => [
    createEvent(ConversationRead, read.conversationId, {
      conversationId: read.conversationId,
      userId: read.userId,
      messageId: read.messageId,
      seq: read.seq,
      readAt: read.readAt.toISOString(),
    }),
  ];
