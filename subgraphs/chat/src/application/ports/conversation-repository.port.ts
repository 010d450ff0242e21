import type { OutboxEvents } from "@plaza/events/contracts";
import type { Conversation } from "../../domain/conversation.ts";
import type { Message } from "../../domain/message.ts";

export type SendOutcome =
  | { kind: "sent"; message: Message; conversation: Conversation }
  /** A message of this sender with this clientMessageId already exists: nothing was written. */
  | { kind: "existing"; message: Message }
  | { kind: "not_member" };

/**
 * Conversations and their messages, on the conversation's shard. Each write and the events the use case announces
 * for it are stored in one transaction on that one shard (transactional outbox).
 */
export interface ConversationRepository {
  /** The pair's direct conversation: created once (with its events), found every later time. */
  startDirect(
    input: { starterId: string; otherId: string },
    events: OutboxEvents<Conversation>,
  ): Promise<{ conversation: Conversation; created: boolean }>;
  startGroup(input: { starterId: string; memberIds: string[] }, events: OutboxEvents<Conversation>): Promise<Conversation>;
  /** Aligned with `ids`; null for unknown or malformed ids. One query per shard. */
  findByIds(ids: readonly string[]): Promise<Array<Conversation | null>>;
  /**
   * Stores the message as the conversation's next in sequence (under the conversation row's lock, so sequence and
   * commit order agree and no reader sees a gap), unless the sender already sent one with this clientMessageId.
   */
  send(
    input: { conversationId: string; senderId: string; body: string; clientMessageId: string },
    events: OutboxEvents<{ message: Message; conversation: Conversation }>,
  ): Promise<SendOutcome>;
  /** Aligned with `ids`; null for unknown or malformed ids. */
  findMessagesByIds(ids: readonly string[]): Promise<Array<Message | null>>;
  /** The message at each (conversation, sequence), aligned with `keys` (null where there is none). One query per shard. */
  findMessagesBySeq(keys: ReadonlyArray<{ conversationId: string; seq: number }>): Promise<Array<Message | null>>;
  /** Up to `limit` messages with a sequence below `beforeSeq` (all when null), newest first. */
  messagesBefore(conversationId: string, limit: number, beforeSeq: number | null): Promise<Message[]>;
}
