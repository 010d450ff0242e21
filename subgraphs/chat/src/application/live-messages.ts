import type { Logger } from "@plaza/kit";
import { forbidden } from "@plaza/kit/domain-errors";
import { isMember } from "../domain/conversation.ts";
import type { Message } from "../domain/message.ts";
import { fromBroadcast, requireViewer } from "./chat.ts";
import type { ConversationRepository } from "./ports/conversation-repository.port.ts";
import type { ChatBroadcast, MessageBroadcast } from "./ports/message-broadcast.port.ts";
import { pushIterator } from "./push-iterator.ts";

export interface LiveMessagesMetrics {
  subscriptions(delta: number): void;
}

interface Subscriber {
  push(message: Message): void;
  end(): void;
}

/** Message ids remembered to drop a broadcast heard twice. */
const RECENT_MESSAGES = 10_000;

/**
 * `Subscription.messageAdded` for the members connected to this instance. Every instance hears every new message
 * through the broadcast (Redis pub/sub, or in process for the embedded default) and pushes it to this instance's
 * subscribers of its conversation, so a send through any instance reaches every subscriber.
 */
export function createLiveMessages(deps: {
  broadcast: MessageBroadcast;
  conversations: ConversationRepository;
  logger: Logger;
  metrics?: LiveMessagesMetrics;
}) {
  const byConversation = new Map<string, Set<Subscriber>>();
  const recent = new Set<string>();
  let listening: Promise<() => Promise<void>> | undefined;

  const onBroadcast = (broadcast: ChatBroadcast) => {
    if (broadcast.kind !== "message" || recent.has(broadcast.id)) return;
    recent.add(broadcast.id);
    if (recent.size > RECENT_MESSAGES) recent.delete(recent.values().next().value!);
    const subscribers = byConversation.get(broadcast.conversationId);
    if (!subscribers) return;
    const message = fromBroadcast(broadcast);
    for (const subscriber of subscribers) subscriber.push(message);
  };

  return {
    /** Starts listening to the broadcast (once per instance). */
    start(): Promise<void> {
      listening ??= deps.broadcast.subscribe(onBroadcast);
      return listening.then(() => undefined);
    },

    /**
     * New messages of `conversationId`, for a member only (`FORBIDDEN` otherwise, existence not revealed beyond
     * that), until the client leaves or the viewer's token expires (`expiresAt`, epoch seconds).
     */
    async subscribe(
      viewerId: string | null,
      conversationId: string,
      expiresAt?: number,
    ): Promise<AsyncIterableIterator<Message>> {
      const userId = requireViewer(viewerId);
      const [conversation] = await deps.conversations.findByIds([conversationId]);
      if (!conversation || !isMember(conversation, userId)) throw forbidden("You are not a member of this conversation");

      const set = byConversation.get(conversationId) ?? new Set<Subscriber>();
      const feed = pushIterator<Message>(() => {
        set.delete(subscriber);
        if (set.size === 0 && byConversation.get(conversationId) === set) byConversation.delete(conversationId);
        deps.metrics?.subscriptions(-1);
      }, expiresAt);
      const subscriber: Subscriber = { push: feed.push, end: feed.end };
      set.add(subscriber);
      byConversation.set(conversationId, set);
      deps.metrics?.subscriptions(1);
      return feed.iterator;
    },

    /** Ends every local subscription and stops listening. */
    async stop(): Promise<void> {
      const unsubscribe = await listening?.catch(() => undefined);
      listening = undefined;
      await unsubscribe?.();
      for (const set of [...byConversation.values()]) for (const subscriber of [...set]) subscriber.end();
      byConversation.clear();
    },
  };
}

export type LiveMessages = ReturnType<typeof createLiveMessages>;
