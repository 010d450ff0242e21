import type { Logger } from "@plaza/kit";
import type { Conversation } from "../domain/conversation.ts";
import type { Chat } from "./chat.ts";
import type { ConversationRepository } from "./ports/conversation-repository.port.ts";
import type { ChatBroadcast, MessageBroadcast } from "./ports/message-broadcast.port.ts";
import { pushIterator } from "./push-iterator.ts";

/** One of the viewer's conversations changed: a new message in it, or the viewer read it (on any device). */
export interface InboxUpdate {
  conversation: Conversation;
  unreadCount: number;
}

/** Message ids remembered to drop a broadcast heard twice. */
const RECENT_MESSAGES = 10_000;

/**
 * `Subscription.inboxUpdated` for the viewers connected to this instance: every instance hears every new message and
 * read position through the broadcast and tells its subscribed members which conversation changed and their unread
 * count now (one conversation lookup per change, one inbox read per subscribed member).
 */
export function createLiveInbox(deps: {
  broadcast: MessageBroadcast;
  conversations: ConversationRepository;
  chat: Pick<Chat, "unreadCounts">;
  logger: Logger;
}) {
  const byViewer = new Map<string, Set<(update: InboxUpdate) => void>>();
  const ends = new Set<() => void>();
  const recent = new Set<string>();
  let listening: Promise<() => Promise<void>> | undefined;
  // Changes are handled one at a time, in broadcast order.
  let queue: Promise<void> = Promise.resolve();

  async function deliver(event: ChatBroadcast, viewers: string[]): Promise<void> {
    const [conversation] = await deps.conversations.findByIds([event.conversationId]);
    if (!conversation) return;
    for (const viewerId of viewers) {
      const [unreadCount] = await deps.chat.unreadCounts(viewerId, [conversation]);
      for (const push of byViewer.get(viewerId) ?? []) push({ conversation, unreadCount: unreadCount! });
    }
  }

  const onBroadcast = (event: ChatBroadcast) => {
    if (event.kind === "message") {
      if (recent.has(event.id)) return;
      recent.add(event.id);
      if (recent.size > RECENT_MESSAGES) recent.delete(recent.values().next().value!);
    }
    const candidates = event.kind === "message" ? event.memberIds : [event.userId];
    const viewers = candidates.filter((id) => byViewer.has(id));
    if (viewers.length === 0) return;
    queue = queue
      .then(() => deliver(event, viewers))
      .catch((err: unknown) => deps.logger.warn({ err, conversationId: event.conversationId }, "inbox update delivery failed"));
  };

  return {
    start(): Promise<void> {
      listening ??= deps.broadcast.subscribe(onBroadcast);
      return listening.then(() => undefined);
    },

    /** The viewer's inbox changes until the client leaves or the token expires (`expiresAt`, epoch seconds). */
    subscribe(viewerId: string, expiresAt?: number): AsyncIterableIterator<InboxUpdate> {
      const set = byViewer.get(viewerId) ?? new Set<(update: InboxUpdate) => void>();
      const feed = pushIterator<InboxUpdate>(() => {
        set.delete(feed.push);
        ends.delete(feed.end);
        if (set.size === 0 && byViewer.get(viewerId) === set) byViewer.delete(viewerId);
      }, expiresAt);
      set.add(feed.push);
      ends.add(feed.end);
      byViewer.set(viewerId, set);
      return feed.iterator;
    },

    async stop(): Promise<void> {
      const unsubscribe = await listening?.catch(() => undefined);
      listening = undefined;
      await unsubscribe?.();
      for (const end of [...ends]) end();
      byViewer.clear();
    },
  };
}

export type LiveInbox = ReturnType<typeof createLiveInbox>;
