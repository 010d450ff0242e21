import { z } from "zod";
import { defineEvent, type EventOf } from "../registry.ts";
import { Topics } from "../topics.ts";

const id = z.string().min(1);
const timestamp = z.iso.datetime({ offset: true });

/** Aggregate id: the conversation's id (one conversation's events stay ordered on one partition). */
export const ConversationStarted = defineEvent(
  "ConversationStarted",
  1,
  Topics.chat,
  z.object({ conversationId: id, memberIds: z.array(id).min(2), startedBy: id, createdAt: timestamp }),
);

/** Aggregate id: the conversation's id. `seq` is the message's place in the conversation (1, 2, 3, … without gaps). */
export const MessageSent = defineEvent(
  "MessageSent",
  1,
  Topics.chat,
  z.object({
    messageId: id,
    conversationId: id,
    seq: z.number().int().positive(),
    senderId: id,
    memberIds: z.array(id).min(2),
    body: z.string(),
    createdAt: timestamp,
  }),
);

/** Aggregate id: the conversation's id. `userId` has read up to and including message `seq`. */
export const ConversationRead = defineEvent(
  "ConversationRead",
  1,
  Topics.chat,
  z.object({ conversationId: id, userId: id, messageId: id, seq: z.number().int().positive(), readAt: timestamp }),
);

export const chatEvents = [ConversationStarted, MessageSent, ConversationRead] as const;

export type ChatEvent = EventOf<(typeof chatEvents)[number]>;
