import DataLoader from "dataloader";
import type { BaseContext } from "@plaza/kit";
import type { Conversation } from "../../domain/conversation.ts";
import type { Message } from "../../domain/message.ts";
import type { Chat } from "../../application/chat.ts";
import type { LiveInbox } from "../../application/live-inbox.ts";
import type { LiveMessages } from "../../application/live-messages.ts";
import type { ConversationRepository } from "../../application/ports/conversation-repository.port.ts";
import type { InboxRepository } from "../../application/ports/inbox-repository.port.ts";

export interface ChatServices {
  chat: Chat;
  conversations: ConversationRepository;
  inbox: InboxRepository;
  live: LiveMessages;
  liveInbox: LiveInbox;
  /** Largest `first` of `conversations` and `last` of `messages` (CHAT_MAX_PAGE_SIZE). */
  maxPageSize: number;
}

export interface ChatContext extends BaseContext {
  services: ChatServices;
  /** Per request: every by-id lookup (a page, `_entities`) becomes one query per shard. Membership is not checked here. */
  conversationLoader: DataLoader<string, Conversation | null>;
  messageLoader: DataLoader<string, Message | null>;
  /** The viewer's unread count of each conversation: one inbox query for a whole page. */
  unreadLoader: DataLoader<Conversation, number, string>;
  /** Each conversation's newest message (its `lastSeq`): one query per shard for a page. */
  lastMessageLoader: DataLoader<Conversation, Message | null, string>;
}

export function createChatContext(services: ChatServices) {
  return (base: BaseContext): ChatContext => ({
    ...base,
    services,
    conversationLoader: new DataLoader((ids: readonly string[]) => services.conversations.findByIds(ids), { maxBatchSize: 500 }),
    messageLoader: new DataLoader((ids: readonly string[]) => services.conversations.findMessagesByIds(ids), {
      maxBatchSize: 500,
    }),
    unreadLoader: new DataLoader(
      (conversations: readonly Conversation[]) =>
        base.viewerId ? services.chat.unreadCounts(base.viewerId, conversations) : Promise.resolve(conversations.map(() => 0)),
      { cacheKeyFn: (conversation) => conversation.id, maxBatchSize: 500 },
    ),
    lastMessageLoader: new DataLoader(
      (conversations: readonly Conversation[]) =>
        services.conversations.findMessagesBySeq(
          conversations.map((conversation) => ({ conversationId: conversation.id, seq: conversation.lastSeq })),
        ),
      { cacheKeyFn: (conversation) => conversation.id, maxBatchSize: 500 },
    ),
  });
}
