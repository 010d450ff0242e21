import { DateTime } from "@plaza/kit";
import { isMember, type Conversation } from "../../domain/conversation.ts";
import type { Message } from "../../domain/message.ts";
import { requireViewer } from "../../application/chat.ts";
import type { InboxUpdate } from "../../application/live-inbox.ts";
import type { ChatContext } from "./context.ts";
import { decodeInboxCursor, decodeMessageCursor, encodeInboxCursor, encodeMessageCursor, pageSize } from "./pagination.ts";
import type { Resolvers } from "./resolvers-types.generated.ts";

/** A conversation the viewer may see, or null: a non-member learns nothing, not even that it exists. */
async function visibleConversation(ctx: ChatContext, id: string): Promise<Conversation | null> {
  const conversation = await ctx.conversationLoader.load(id);
  return conversation && isMember(conversation, ctx.viewerId) ? conversation : null;
}

async function visibleMessage(ctx: ChatContext, id: string): Promise<Message | null> {
  const message = await ctx.messageLoader.load(id);
  return message && (await visibleConversation(ctx, message.conversationId)) ? message : null;
}

export const resolvers: Resolvers = {
  DateTime,
  Query: {
    conversations: async (_, args, ctx) => {
      const viewerId = requireViewer(ctx.viewerId);
      const first = pageSize(args.first, ctx.services.maxPageSize, "first", 20);
      const page = await ctx.services.inbox.list(viewerId, first, decodeInboxCursor(args.after));
      const conversations = await ctx.conversationLoader.loadMany(page.entries.map((entry) => entry.conversationId));
      const edges = page.entries.flatMap((entry, i) => {
        const node = conversations[i];
        if (!node || node instanceof Error) return [];
        return [{ cursor: encodeInboxCursor(entry), node }];
      });
      const end = page.entries.at(-1);
      return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: end ? encodeInboxCursor(end) : null } };
    },
    conversation: (_, args, ctx) => {
      requireViewer(ctx.viewerId);
      return visibleConversation(ctx, args.id);
    },
  },
  Mutation: {
    startConversation: (_, args, ctx) => ctx.services.chat.startConversation(ctx.viewerId, args.memberIds),
    sendMessage: async (_, args, ctx) => {
      const message = await ctx.services.chat.sendMessage(ctx.viewerId, args.input);
      ctx.messageLoader.prime(message.id, message);
      return message;
    },
    markConversationRead: async (_, args, ctx) => {
      const conversation = await ctx.services.chat.markConversationRead(ctx.viewerId, args.conversationId, args.upToMessageId);
      ctx.conversationLoader.prime(conversation.id, conversation);
      return conversation;
    },
  },
  Subscription: {
    messageAdded: {
      subscribe: (_, args, ctx) => ctx.services.live.subscribe(ctx.viewerId, args.conversationId, ctx.identity.tokenExp),
      resolve: (message: Message) => message,
    },
    inboxUpdated: {
      subscribe: (_, __, ctx) => ctx.services.liveInbox.subscribe(requireViewer(ctx.viewerId), ctx.identity.tokenExp),
      resolve: (update: InboxUpdate) => update,
    },
  },
  Conversation: {
    __resolveReference: (ref, ctx) => visibleConversation(ctx, ref.id),
    members: (conversation) => conversation.memberIds.map((id) => ({ id })),
    messages: async (conversation, args, ctx) => {
      const last = pageSize(args.last, ctx.services.maxPageSize, "last", 50);
      const before = decodeMessageCursor(args.before);
      const rows = await ctx.services.conversations.messagesBefore(conversation.id, last + 1, before);
      const page = rows.slice(0, last).reverse();
      for (const message of page) ctx.messageLoader.prime(message.id, message);
      const edges = page.map((message) => ({ cursor: encodeMessageCursor(message), node: message }));
      return {
        edges,
        pageInfo: {
          hasPreviousPage: rows.length > last,
          startCursor: edges[0]?.cursor ?? null,
          // History ends at the newest message when no `before` was given; otherwise newer ones exist.
          hasNextPage: before !== null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
    unreadCount: (conversation, _, ctx) => ctx.unreadLoader.load(conversation),
    lastMessage: (conversation, _, ctx) => ctx.lastMessageLoader.load(conversation),
  },
  Message: {
    __resolveReference: (ref, ctx) => visibleMessage(ctx, ref.id),
    conversation: async (message, _, ctx) => (await ctx.conversationLoader.load(message.conversationId))!,
    sender: (message) => ({ id: message.senderId }),
  },
};
