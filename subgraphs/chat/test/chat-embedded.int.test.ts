import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInProcessEventBus } from "@plaza/events";
import { createLogger, INTERNAL_AUTH_HEADER, signInternalIdentity } from "@plaza/kit";
import { newId } from "@plaza/sharding";
import { waitFor } from "@plaza/testkit";
import { loadChatConfig } from "../src/env.ts";
import { startChatService, type ChatService } from "../src/service.ts";

const START = "mutation ($ids: [ID!]!) { startConversation(memberIds: $ids) { id } }";
const SEND = "mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id } }";
const INBOX = "{ conversations(first: 10) { edges { node { id unreadCount lastMessage { body } } } } }";

type Result<T> = { data?: T; errors?: Array<{ extensions?: { code?: string } }> };

// The embedded default: PGlite shards, the in-process bus and broadcast. No external service; the users subgraph is
// stood in for by a fixed directory (only startConversation asks it).
describe("chat on embedded defaults", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "plaza-chat-embedded-"));
  const key = randomBytes(32).toString("hex");
  const [alice, bob] = [newId(1), newId(2)];
  const logger = createLogger({ service: "chat-test", level: "silent" });
  const bus = createInProcessEventBus({ logger });
  let chat: ChatService;

  beforeAll(async () => {
    const config = loadChatConfig({
      NODE_ENV: "test",
      INTERNAL_AUTH_KEY: key,
      CHAT_PORT: "0",
      DATA_DIR: dataDir,
      CHAT_PGLITE_SHARDS: "2",
      CHAT_BUCKET_COUNT: "16",
    });
    const users = { existing: async (ids: readonly string[]) => new Set(ids.filter((id) => id === alice || id === bob)) };
    chat = await startChatService(config, { bus, logger, users });
  });
  afterAll(async () => {
    await chat?.stop();
    await bus.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function gql<T>(query: string, variables: Record<string, unknown>, viewerId: string): Promise<Result<T>> {
    const body = JSON.stringify({ query, variables });
    const response = await fetch(`http://127.0.0.1:${chat.port}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [INTERNAL_AUTH_HEADER]: signInternalIdentity(key, { viewerId }, { subgraph: "chat", body }),
      },
      body,
    });
    return (await response.json()) as Result<T>;
  }

  it("starts, sends idempotently and updates the other member's inbox through the in-process bus", async () => {
    const started = await gql<{ startConversation: { id: string } }>(START, { ids: [bob] }, alice);
    expect(started.errors).toBeUndefined();
    const id = started.data!.startConversation.id;
    expect((await gql(START, { ids: [newId(3)] }, alice)).errors?.[0]?.extensions?.code, "an unknown user").toBe(
      "BAD_USER_INPUT",
    );
    const input = { conversationId: id, body: "hi bob", clientMessageId: "k1" };
    const sends = await Promise.all(
      Array.from({ length: 10 }, () => gql<{ sendMessage: { id: string } }>(SEND, { input }, alice)),
    );
    expect(new Set(sends.map((s) => s.data?.sendMessage.id)).size).toBe(1);
    await waitFor(
      async () => {
        const inbox = await gql<{ conversations: { edges: Array<{ node: { id: string; unreadCount: number } }> } }>(
          INBOX,
          {},
          bob,
        );
        return inbox.data?.conversations.edges.find((e) => e.node.id === id)?.node.unreadCount === 1;
      },
      { timeoutMs: 30_000, description: "bob's inbox entry from the events" },
    );
  });
});
