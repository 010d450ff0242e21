import { badUserInput, forbidden, PlazaError, unauthenticated } from "@plaza/kit/domain-errors";
import { conversationMembers, isMember, type Conversation } from "../domain/conversation.ts";
import { checkClientMessageId, normalizeMessageBody, unreadCount, type Message } from "../domain/message.ts";
import { conversationRead, conversationStarted, messageSent } from "./chat-events.ts";
import type { ConversationRepository } from "./ports/conversation-repository.port.ts";
import type { InboxChange, InboxRepository } from "./ports/inbox-repository.port.ts";
import type { BroadcastMessage, MessageBroadcast } from "./ports/message-broadcast.port.ts";
import type { UserDirectory } from "./ports/user-directory.port.ts";

export interface ChatDeps {
  conversations: ConversationRepository;
  inbox: InboxRepository;
  users: UserDirectory;
  broadcast: MessageBroadcast;
  settings: { maxMembers: number; maxMessageLength: number };
  /** Logs what failed after the change committed (an own-inbox update, a live broadcast): the durable path covers it. */
  warn(err: unknown, message: string): void;
  onSent?: () => void;
}

export function requireViewer(viewerId: string | null): string {
  if (!viewerId) throw unauthenticated();
  return viewerId;
}

export const toBroadcast = (message: Message, memberIds: string[]): BroadcastMessage => ({
  kind: "message",
  memberIds,
  id: message.id,
  conversationId: message.conversationId,
  seq: message.seq,
  senderId: message.senderId,
  body: message.body,
  clientMessageId: message.clientMessageId,
  createdAt: message.createdAt.toISOString(),
});

export const fromBroadcast = ({ kind: _kind, memberIds: _members, ...message }: BroadcastMessage): Message => ({
  ...message,
  createdAt: new Date(message.createdAt),
});

/** The inbox changes a conversation start makes, one per member. */
export const startedChanges = (conversation: Pick<Conversation, "id" | "memberIds" | "createdAt">): InboxChange[] =>
  conversation.memberIds.map((userId) => ({
    userId,
    conversationId: conversation.id,
    at: conversation.createdAt,
    seq: 0,
    messageId: null,
    read: false,
  }));

/** The inbox changes a message makes, one per member (the sender has read it). */
export const messageChanges = (
  message: Pick<Message, "id" | "conversationId" | "seq" | "senderId" | "createdAt">,
  memberIds: readonly string[],
) =>
  memberIds.map<InboxChange>((userId) => ({
    userId,
    conversationId: message.conversationId,
    at: message.createdAt,
    seq: message.seq,
    messageId: message.id,
    read: userId === message.senderId,
  }));

export function createChat(deps: ChatDeps) {
  /**
   * The acting member's own inbox entry is brought up to date at once (read-your-writes for `conversations`); the
   * other members' entries follow from the event. Both paths only move entries forward, so either may come first.
   */
  const applyOwn = (changes: InboxChange[], userId: string) =>
    deps.inbox
      .apply(changes.filter((change) => change.userId === userId))
      .catch((err: unknown) => deps.warn(err, "could not update the actor's own inbox entry; the event will"));

  return {
    async startConversation(viewerId: string | null, memberIds: readonly string[]): Promise<Conversation> {
      const starterId = requireViewer(viewerId);
      const members = conversationMembers(starterId, memberIds, deps.settings.maxMembers);
      const others = members.slice(1);
      const known = await deps.users.existing(others);
      const unknown = others.filter((id) => !known.has(id));
      if (unknown.length > 0) throw badUserInput("memberIds", `Unknown user: ${unknown[0]}`);
      let conversation: Conversation;
      if (others.length === 1) {
        ({ conversation } = await deps.conversations.startDirect({ starterId, otherId: others[0]! }, conversationStarted));
      } else {
        conversation = await deps.conversations.startGroup({ starterId, memberIds: members }, conversationStarted);
      }
      await applyOwn(startedChanges(conversation), starterId);
      return conversation;
    },

    async sendMessage(
      viewerId: string | null,
      input: { conversationId: string; body: string; clientMessageId: string },
    ): Promise<Message> {
      const senderId = requireViewer(viewerId);
      const body = normalizeMessageBody(input.body, deps.settings.maxMessageLength);
      const clientMessageId = checkClientMessageId(input.clientMessageId);
      const outcome = await deps.conversations.send(
        { conversationId: input.conversationId, senderId, body, clientMessageId },
        messageSent,
      );
      if (outcome.kind === "not_member") throw forbidden("You are not a member of this conversation");
      if (outcome.kind === "existing") {
        if (outcome.message.body !== body) {
          throw new PlazaError("IDEMPOTENCY_KEY_REUSED", "clientMessageId was already used for another message");
        }
        return outcome.message;
      }
      const { message, conversation } = outcome;
      deps.onSent?.();
      await applyOwn(messageChanges(message, conversation.memberIds), senderId);
      deps.broadcast
        .publish(toBroadcast(message, conversation.memberIds))
        .catch((err: unknown) => deps.warn(err, "could not broadcast a new message to live subscribers"));
      return message;
    },

    async markConversationRead(viewerId: string | null, conversationId: string, upToMessageId: string): Promise<Conversation> {
      const userId = requireViewer(viewerId);
      const [conversation] = await deps.conversations.findByIds([conversationId]);
      if (!conversation || !isMember(conversation, userId)) throw forbidden("You are not a member of this conversation");
      const [message] = await deps.conversations.findMessagesByIds([upToMessageId]);
      if (!message || message.conversationId !== conversationId) {
        throw badUserInput("upToMessageId", "upToMessageId is not a message of this conversation");
      }
      const readAt = new Date();
      const entry = await deps.inbox.markRead(
        { userId, conversationId, seq: message.seq, at: message.createdAt },
        conversationRead({ conversationId, userId, messageId: message.id, seq: message.seq, readAt }),
      );
      // The viewer's other devices (inboxUpdated) hear of it; best effort, like messageAdded.
      deps.broadcast
        .publish({ kind: "read", conversationId, userId, readSeq: entry.readSeq })
        .catch((err: unknown) => deps.warn(err, "could not broadcast a read position to live subscribers"));
      return conversation;
    },

    /** The viewer's unread count per conversation: from the viewer's inbox entry, or the whole history without one. */
    async unreadCounts(viewerId: string, conversations: readonly Conversation[]): Promise<number[]> {
      const entries = await deps.inbox.entries(
        viewerId,
        conversations.map((c) => c.id),
      );
      const byId = new Map(entries.map((entry) => [entry.conversationId, entry]));
      return conversations.map((conversation) => {
        const entry = byId.get(conversation.id);
        // The conversation's own sequence is the truth; the entry may not have heard of the newest messages yet.
        return unreadCount(Math.max(conversation.lastSeq, entry?.lastSeq ?? 0), entry?.readSeq ?? 0);
      });
    },
  };
}

export type Chat = ReturnType<typeof createChat>;
