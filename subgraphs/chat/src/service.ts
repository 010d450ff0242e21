import type { Redis } from "ioredis";
import type { EventBus, Subscription } from "@plaza/events";
import { createHealth, createMetrics, type Logger, type SubgraphServer } from "@plaza/kit";
import { createRedisFromConfig, openSubgraphStorage, subgraphServerSwitches } from "@plaza/runtime";
import { PrismaClient } from "./generated/prisma/client.ts";
import { buildChatApp } from "./app.ts";
import type { ChatConfig } from "./env.ts";
import { createChatMetrics } from "./metrics.ts";
import { createChat, type Chat } from "./application/chat.ts";
import { createLiveInbox } from "./application/live-inbox.ts";
import { createLiveMessages } from "./application/live-messages.ts";
import type { ConversationRepository } from "./application/ports/conversation-repository.port.ts";
import type { InboxRepository } from "./application/ports/inbox-repository.port.ts";
import type { UserDirectory } from "./application/ports/user-directory.port.ts";
import { startInboxConsumer } from "./adapters/events/inbox-consumer.ts";
import { createUsersLookup } from "./adapters/http/users-lookup.ts";
import { createMemoryMessageBroadcast } from "./adapters/memory/memory-message-broadcast.ts";
import { createPrismaConversationRepository } from "./adapters/prisma/prisma-conversation-repository.ts";
import { createPrismaInboxRepository } from "./adapters/prisma/prisma-inbox-repository.ts";
import { createRedisMessageBroadcast } from "./adapters/redis/redis-message-broadcast.ts";

export const CHAT_MIGRATIONS_DIR = new URL("../../../prisma/chat/migrations", import.meta.url).pathname;

export interface ChatService {
  app: SubgraphServer;
  chat: Chat;
  conversations: ConversationRepository;
  inbox: InboxRepository;
  /** Bound port. */
  port: number;
  /** Drains HTTP and WebSockets, stops the consumer, the broadcast and the relay, then closes shards and Redis. */
  stop(): Promise<void>;
}

/** Wires the chat subgraph from configuration and a bus; shared by its own main() and the single-process launcher. */
export async function startChatService(
  config: ChatConfig,
  deps: { bus: EventBus; logger: Logger; users?: UserDirectory },
): Promise<ChatService> {
  const logger = deps.logger.child({ service: "chat" });
  const metrics = createMetrics("chat");
  const instruments = createChatMetrics(metrics);
  const health = createHealth();
  const storage = await openSubgraphStorage({
    service: "chat",
    shardConfig: config.shards,
    makeClient: (adapter) => new PrismaClient({ adapter }),
    migrationsDir: CHAT_MIGRATIONS_DIR,
    migrateOnStart: config.MIGRATE_ON_START,
    bus: deps.bus,
    logger,
    metrics,
    health,
  });
  const redis: Redis | undefined = config.REDIS_URL
    ? createRedisFromConfig({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, logger, health, name: "plaza-chat" })
    : undefined;
  if (!redis && config.KAFKA_BROKERS.length > 0) {
    logger.warn(
      "KAFKA_BROKERS without REDIS_URL: messageAdded reaches only this process's subscribers; run a single chat instance",
    );
  }
  const broadcast = redis
    ? createRedisMessageBroadcast({ redis, channelPrefix: config.REDIS_KEY_PREFIX, logger })
    : createMemoryMessageBroadcast();
  const onOutboxWrite = () => storage.relay.kick();
  const conversations = createPrismaConversationRepository({ shards: storage.shards.router, onOutboxWrite });
  const inbox = createPrismaInboxRepository({ shards: storage.shards.router, onOutboxWrite });
  const users = deps.users ?? createUsersLookup({ url: config.CHAT_USERS_URL, internalAuthKey: config.INTERNAL_AUTH_KEY });
  const chat = createChat({
    conversations,
    inbox,
    users,
    broadcast,
    settings: { maxMembers: config.CHAT_GROUP_MAX_MEMBERS, maxMessageLength: config.CHAT_MESSAGE_MAX_LENGTH },
    warn: (err, message) => {
      instruments.afterCommitFailures();
      logger.warn({ err }, message);
    },
    onSent: instruments.messagesSent,
  });
  const live = createLiveMessages({ broadcast, conversations, logger, metrics: instruments.live });
  const liveInbox = createLiveInbox({ broadcast, conversations, chat, logger });

  const consumers: Subscription[] = [];
  const release = async () => {
    await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
    await live.stop();
    await liveInbox.stop();
    await broadcast.close();
    await storage.close();
    await redis?.quit().catch(() => redis.disconnect());
  };
  try {
    await live.start();
    await liveInbox.start();
    // Postgres down is an outage to wait out, not a reason to dead-letter the events meanwhile.
    const dependenciesUp = async () => void (await storage.reachable());
    consumers.push(await startInboxConsumer({ bus: deps.bus, inbox, dependenciesUp }));
    const app = buildChatApp({
      chat,
      conversations,
      inbox,
      live,
      liveInbox,
      maxPageSize: config.CHAT_MAX_PAGE_SIZE,
      logger,
      metrics,
      health,
      internalAuthKey: config.INTERNAL_AUTH_KEY,
      internalAuthMaxAgeSeconds: config.INTERNAL_AUTH_MAX_AGE_SECONDS,
      ...subgraphServerSwitches(config),
    });
    const port = await app.listen(config.CHAT_PORT, config.HOST);
    if (config.metricsPort !== undefined) await app.listenMetrics(config.metricsPort, config.HOST);
    logger.info({ port, shards: config.shards.describe, live: redis ? "redis" : "memory" }, "chat subgraph listening");
    return {
      app,
      chat,
      conversations,
      inbox,
      port,
      async stop() {
        await app.close();
        await release();
      },
    };
  } catch (err) {
    await release();
    throw err;
  }
}
