import { ConversationStarted, createEventDispatcher, MessageSent, type EventBus, type Subscription } from "@plaza/events";
import { messageChanges, startedChanges } from "../../application/chat.ts";
import type { InboxRepository } from "../../application/ports/inbox-repository.port.ts";

export const INBOX_GROUP = "chat.inbox";

/**
 * Brings every member's inbox entry (on the member's shard) up to date from the conversation's events, so a send
 * commits on the conversation's shard alone. Applying is idempotent and order-safe (entries only move forward), so
 * redeliveries and replays are harmless; events of one conversation arrive in order on one partition anyway.
 */
export function startInboxConsumer(deps: {
  bus: EventBus;
  inbox: InboxRepository;
  dependenciesUp?: () => Promise<void>;
}): Promise<Subscription> {
  const dispatcher = createEventDispatcher()
    .on(ConversationStarted, (event) =>
      deps.inbox.apply(
        startedChanges({
          id: event.payload.conversationId,
          memberIds: event.payload.memberIds,
          createdAt: new Date(event.payload.createdAt),
        }),
      ),
    )
    .on(MessageSent, (event) =>
      deps.inbox.apply(
        messageChanges(
          {
            id: event.payload.messageId,
            conversationId: event.payload.conversationId,
            seq: event.payload.seq,
            senderId: event.payload.senderId,
            createdAt: new Date(event.payload.createdAt),
          },
          event.payload.memberIds,
        ),
      ),
    );
  return deps.bus.subscribe({
    groupId: INBOX_GROUP,
    topics: dispatcher.topics,
    handler: dispatcher.handle,
    fromBeginning: true,
    dependenciesUp: deps.dependenciesUp,
  });
}
