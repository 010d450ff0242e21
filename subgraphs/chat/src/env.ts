import { z } from "zod";
import { envFields } from "@plaza/kit";
import { commonSubgraphEnv, loadSubgraphConfig } from "@plaza/runtime";
import { DEFAULT_GROUP_MAX_MEMBERS } from "./domain/conversation.ts";
import { DEFAULT_MESSAGE_MAX_LENGTH } from "./domain/message.ts";

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const chatEnvSchema = commonSubgraphEnv.extend({
  CHAT_PORT: envFields.port(4003),
  /** Longest message body, in characters (Unicode code points). */
  CHAT_MESSAGE_MAX_LENGTH: int(1, 100_000, DEFAULT_MESSAGE_MAX_LENGTH),
  /** Most members of one conversation, the starter included. */
  CHAT_GROUP_MAX_MEMBERS: int(2, 10_000, DEFAULT_GROUP_MAX_MEMBERS),
  /** Largest `first` of `conversations` and `last` of `messages`. */
  CHAT_MAX_PAGE_SIZE: int(1, 1_000, 100),
  /** The users subgraph, asked whether the members named by startConversation exist. */
  CHAT_USERS_URL: z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:4001/graphql"),
});

export type ChatConfig = ReturnType<typeof loadChatConfig>;

export const loadChatConfig = (source?: Record<string, string | undefined>) => loadSubgraphConfig("chat", chatEnvSchema, source);
