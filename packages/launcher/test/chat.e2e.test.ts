import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { createLogger, INTERNAL_AUTH_HEADER, signInternalIdentity } from "@plaza/kit";
import { loadChatConfig } from "@plaza/chat/env";
import { startChatService } from "@plaza/chat/service";
import { newId } from "@plaza/sharding";
import { waitFor } from "@plaza/testkit";
import { newSignUp, postGraphQL, startTestStack, type TestStack } from "./test-stack.ts";

const SIGN_UP = "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id handle displayName } } }";
const START = "mutation ($ids: [ID!]!) { startConversation(memberIds: $ids) { id members { id handle } } }";
const SEND =
  "mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id body createdAt sender { id handle } conversation { id } } }";
const READ = "mutation ($c: ID!, $m: ID!) { markConversationRead(conversationId: $c, upToMessageId: $m) { id unreadCount } }";
const CONVERSATIONS =
  "query ($first: Int, $after: String) { conversations(first: $first, after: $after) { edges { cursor node { id unreadCount lastMessage { id body } } } pageInfo { hasNextPage endCursor } } }";
const CONVERSATION =
  "query ($id: ID!, $last: Int, $before: String) { conversation(id: $id) { id unreadCount members { handle } messages(last: $last, before: $before) { edges { cursor node { id body sender { handle } } } pageInfo { hasPreviousPage startCursor } } } }";
const MESSAGE_ADDED = "subscription ($id: ID!) { messageAdded(conversationId: $id) { id body sender { handle displayName } } }";

const MAX_MEMBERS = 4;

interface Viewer {
  token: string;
  id: string;
  handle: string;
  displayName: string;
}

type Errors = Array<{ message: string; extensions?: { code?: string } }> | undefined;
const codeOf = (errors: Errors) => errors?.[0]?.extensions?.code;

describe("chat through the router (Postgres shards, Redis, Kafka)", () => {
  let stack: TestStack;
  const clients: Client[] = [];
  let clientIds = 0;
  const cmid = () => `cm-${Date.now().toString(36)}-${clientIds++}`;

  beforeAll(async () => {
    stack = await startTestStack({ env: { CHAT_GROUP_MAX_MEMBERS: String(MAX_MEMBERS) } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await stack?.stop();
  });

  async function signUp(): Promise<Viewer> {
    const result = await stack.gql<{ signUp: { token: string; user: Omit<Viewer, "token"> } }>(SIGN_UP, {
      input: newSignUp("chat"),
    });
    expect(result.errors).toBeUndefined();
    return { token: result.data!.signUp.token, ...result.data!.signUp.user };
  }

  async function start(viewer: Viewer, ids: string[]) {
    return stack.gql<{ startConversation: { id: string; members: Array<{ id: string; handle: string }> } }>(
      START,
      { ids },
      viewer.token,
    );
  }

  async function send(viewer: Viewer, conversationId: string, body: string, clientMessageId = cmid()) {
    return stack.gql<{ sendMessage: { id: string; body: string; sender: { id: string; handle: string } } }>(
      SEND,
      { input: { conversationId, body, clientMessageId } },
      viewer.token,
    );
  }

  async function history(viewer: Viewer, id: string, last = 100) {
    const result = await stack.gql<{
      conversation: { messages: { edges: Array<{ node: { id: string; body: string } }> }; unreadCount: number } | null;
    }>(CONVERSATION, { id, last }, viewer.token);
    expect(result.errors).toBeUndefined();
    return result.data!.conversation;
  }

  async function inbox(viewer: Viewer) {
    const result = await stack.gql<{
      conversations: { edges: Array<{ node: { id: string; unreadCount: number; lastMessage: { body: string } | null } }> };
    }>(CONVERSATIONS, { first: 50 }, viewer.token);
    expect(result.errors).toBeUndefined();
    return result.data!.conversations.edges.map((edge) => edge.node);
  }

  function wsClient(token?: string): Client {
    const client = createClient({
      url: stack.routerUrl.replace("http://", "ws://"),
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
    });
    clients.push(client);
    return client;
  }

  function subscribe(token: string | undefined, conversationId: string) {
    const sub = { events: [] as Array<{ data?: unknown; errors?: Errors }>, errors: [] as unknown[], ended: false };
    wsClient(token).subscribe(
      { query: MESSAGE_ADDED, variables: { id: conversationId } },
      {
        next: (value) => sub.events.push(value as { data?: unknown; errors?: Errors }),
        error: (err) => {
          sub.errors.push(err);
          sub.ended = true;
        },
        complete: () => {
          sub.ended = true;
        },
      },
    );
    return sub;
  }

  it("starts one direct conversation per pair, sends, lists, reads and pages history", async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const first = await start(alice, [bob.id]);
    expect(first.errors).toBeUndefined();
    const id = first.data!.startConversation.id;
    expect(first.data!.startConversation.members.map((m) => m.handle)).toEqual([alice.handle, bob.handle]);
    // Again, from either side and with the viewer listed: the same conversation.
    expect((await start(alice, [bob.id])).data?.startConversation.id).toBe(id);
    expect((await start(bob, [alice.id, bob.id])).data?.startConversation.id).toBe(id);
    // The starter sees it at once.
    expect((await inbox(alice)).map((c) => c.id)).toContain(id);

    const sent = [];
    for (const body of ["one", "two", "three"]) {
      const result = await send(alice, id, body);
      expect(result.errors).toBeUndefined();
      sent.push(result.data!.sendMessage);
    }
    expect(sent[0]!.sender).toEqual({ id: alice.id, handle: alice.handle });
    // The other member's inbox entry follows through Kafka.
    await waitFor(async () => (await inbox(bob)).find((c) => c.id === id)?.unreadCount === 3, {
      timeoutMs: 60_000,
      description: "bob's inbox has the three messages",
    });
    expect((await inbox(bob)).find((c) => c.id === id)?.lastMessage?.body).toBe("three");
    expect((await inbox(alice)).find((c) => c.id === id)?.unreadCount).toBe(0);

    const all = await history(bob, id);
    expect(all!.messages.edges.map((e) => e.node.body)).toEqual(["one", "two", "three"]);
    // Paging backwards: the newest two, then the one before them.
    const page = await stack.gql<{
      conversation: {
        messages: { edges: Array<{ node: { body: string } }>; pageInfo: { hasPreviousPage: boolean; startCursor: string } };
      };
    }>(CONVERSATION, { id, last: 2 }, bob.token);
    expect(page.data!.conversation.messages.edges.map((e) => e.node.body)).toEqual(["two", "three"]);
    expect(page.data!.conversation.messages.pageInfo.hasPreviousPage).toBe(true);
    const older = await stack.gql<{ conversation: { messages: { edges: Array<{ node: { body: string } }> } } }>(
      CONVERSATION,
      { id, last: 2, before: page.data!.conversation.messages.pageInfo.startCursor },
      bob.token,
    );
    expect(older.data!.conversation.messages.edges.map((e) => e.node.body)).toEqual(["one"]);

    const read = await stack.gql<{ markConversationRead: { unreadCount: number } }>(READ, { c: id, m: sent[1]!.id }, bob.token);
    expect(read.errors).toBeUndefined();
    expect(read.data!.markConversationRead.unreadCount).toBe(1);
    // An older message than the read position: no change (never back up).
    const back = await stack.gql<{ markConversationRead: { unreadCount: number } }>(READ, { c: id, m: sent[0]!.id }, bob.token);
    expect(back.data!.markConversationRead.unreadCount).toBe(1);
    const all3 = await stack.gql<{ markConversationRead: { unreadCount: number } }>(READ, { c: id, m: sent[2]!.id }, bob.token);
    expect(all3.data!.markConversationRead.unreadCount).toBe(0);
  });

  it("orders conversations by most recent activity and pages them", async () => {
    const [me, a, b] = [await signUp(), await signUp(), await signUp()];
    const withA = (await start(me, [a.id])).data!.startConversation.id;
    const withB = (await start(me, [b.id])).data!.startConversation.id;
    expect((await send(me, withA, "latest")).errors).toBeUndefined();
    expect((await inbox(me)).map((c) => c.id)).toEqual([withA, withB]);
    const firstPage = await stack.gql<{
      conversations: { edges: Array<{ node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
    }>(CONVERSATIONS, { first: 1 }, me.token);
    expect(firstPage.data!.conversations.edges.map((e) => e.node.id)).toEqual([withA]);
    expect(firstPage.data!.conversations.pageInfo.hasNextPage).toBe(true);
    const next = await stack.gql<{ conversations: { edges: Array<{ node: { id: string } }> } }>(
      CONVERSATIONS,
      { first: 1, after: firstPage.data!.conversations.pageInfo.endCursor },
      me.token,
    );
    expect(next.data!.conversations.edges.map((e) => e.node.id)).toEqual([withB]);
  });

  it("delivers messageAdded through the router with the sender resolved by users; members only", async () => {
    const [alice, bob, mallory] = [await signUp(), await signUp(), await signUp()];
    const id = (await start(alice, [bob.id])).data!.startConversation.id;
    const bobSub = subscribe(bob.token, id);
    const aliceSub = subscribe(alice.token, id);
    const malSub = subscribe(mallory.token, id);
    const anonSub = subscribe(undefined, id);
    // Subscriptions open asynchronously: send until both members have heard one.
    let n = 0;
    await waitFor(
      async () => {
        await send(alice, id, `ping ${n++}`);
        return bobSub.events.length > 0 && aliceSub.events.length > 0;
      },
      { timeoutMs: 60_000, intervalMs: 300, description: "both members subscribed" },
    );
    const before = bobSub.events.length;
    expect((await send(alice, id, "hello bob")).errors).toBeUndefined();
    await waitFor(() => bobSub.events.length > before, { timeoutMs: 30_000, description: "bob hears it" });
    expect(bobSub.events.at(-1)).toEqual({
      data: {
        messageAdded: {
          id: expect.any(String),
          body: "hello bob",
          sender: { handle: alice.handle, displayName: alice.displayName },
        },
      },
    });
    await waitFor(() => malSub.ended && anonSub.ended, { timeoutMs: 30_000, description: "outsiders refused" });
    expect(malSub.events.flatMap((e) => (e.data ? [e.data] : []))).toEqual([]);
    const codes = (sub: typeof malSub) => [
      ...sub.events.flatMap((e) => (e.errors ?? []).map((x) => x.extensions?.code)),
      ...sub.errors.flatMap((e) =>
        Array.isArray(e) ? e.map((x: { extensions?: { code?: string } }) => x.extensions?.code) : [],
      ),
    ];
    expect(codes(malSub)).toContain("FORBIDDEN");
    expect(codes(anonSub)).toContain("UNAUTHENTICATED");
  });

  it("delivers messageAdded to a subscriber on another chat instance than the one that handled the send", async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const id = (await start(alice, [bob.id])).data!.startConversation.id;
    // A second chat instance on the same shards, Redis and Kafka; the router knows only the first.
    const second = await startChatService(loadChatConfig({ ...stack.env, CHAT_PORT: "0" }), {
      bus: stack.bus,
      logger: createLogger({ service: "chat-2", level: "silent" }),
    });
    try {
      const direct = createClient({
        url: `ws://127.0.0.1:${second.port}/graphql`,
        webSocketImpl: WebSocket,
        // What the router sends upstream: bob's identity, signed for the chat subgraph's graphql-ws.
        connectionParams: () => ({
          [INTERNAL_AUTH_HEADER]: signInternalIdentity(
            stack.env.INTERNAL_AUTH_KEY!,
            { viewerId: bob.id },
            { subgraph: "chat", purpose: "graphql-ws" },
          ),
        }),
        retryAttempts: 0,
      });
      clients.push(direct);
      const heard: string[] = [];
      direct.subscribe(
        { query: "subscription ($id: ID!) { messageAdded(conversationId: $id) { body } }", variables: { id } },
        {
          next: (value) => void heard.push((value.data as { messageAdded: { body: string } }).messageAdded.body),
          error: () => undefined,
          complete: () => undefined,
        },
      );
      let n = 0;
      await waitFor(
        async () => {
          await send(alice, id, `via instance 1, ${n++}`);
          return heard.length > 0;
        },
        { timeoutMs: 60_000, intervalMs: 300, description: "bob on instance 2 hears a send handled by instance 1" },
      );
      expect(heard[0]).toMatch(/^via instance 1, \d+$/);
    } finally {
      await second.stop();
    }
  });

  it("tells a member through inboxUpdated which conversation changed and the unread count, on messages and reads", async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const id = (await start(alice, [bob.id])).data!.startConversation.id;
    const updates: Array<{ data?: { inboxUpdated: { conversation: { id: string }; unreadCount: number } } }> = [];
    wsClient(bob.token).subscribe(
      { query: "subscription { inboxUpdated { conversation { id } unreadCount } }" },
      { next: (value) => void updates.push(value as (typeof updates)[0]), error: () => undefined, complete: () => undefined },
    );
    // The subscription opens asynchronously: send until bob hears of one.
    let last = "";
    await waitFor(
      async () => {
        last = (await send(alice, id, `inbox ${updates.length}`)).data!.sendMessage.id;
        return updates.length > 0;
      },
      { timeoutMs: 60_000, intervalMs: 300, description: "bob subscribed to his inbox" },
    );
    expect(updates[0]!.data!.inboxUpdated.conversation.id).toBe(id);
    expect(updates[0]!.data!.inboxUpdated.unreadCount).toBeGreaterThan(0);
    const read = await stack.gql(READ, { c: id, m: last }, bob.token);
    expect(read.errors).toBeUndefined();
    await waitFor(() => updates.at(-1)?.data?.inboxUpdated.unreadCount === 0, {
      timeoutMs: 30_000,
      description: "bob's read reaches his inbox subscription",
    });
  });

  it("refuses anonymous callers and hides conversations from non-members", async () => {
    const [alice, bob, mallory] = [await signUp(), await signUp(), await signUp()];
    const id = (await start(alice, [bob.id])).data!.startConversation.id;
    const message = (await send(alice, id, "secret")).data!.sendMessage;
    expect(codeOf((await stack.gql(CONVERSATIONS, {})).errors)).toBe("UNAUTHENTICATED");
    expect(codeOf((await stack.gql(START, { ids: [bob.id] })).errors)).toBe("UNAUTHENTICATED");
    expect(codeOf((await stack.gql(SEND, { input: { conversationId: id, body: "x", clientMessageId: "a" } })).errors)).toBe(
      "UNAUTHENTICATED",
    );
    // A non-member: the conversation does not exist for them, and neither does an unknown one.
    const peek = await stack.gql<{ conversation: unknown }>(CONVERSATION, { id }, mallory.token);
    expect(peek.errors).toBeUndefined();
    expect(peek.data!.conversation).toBeNull();
    expect(
      (await stack.gql<{ conversation: unknown }>(CONVERSATION, { id: newId(1) }, mallory.token)).data!.conversation,
    ).toBeNull();
    expect((await inbox(mallory)).map((c) => c.id)).not.toContain(id);
    expect(codeOf((await send(mallory, id, "let me in")).errors)).toBe("FORBIDDEN");
    expect(codeOf((await send(mallory, newId(3), "unknown")).errors)).toBe("FORBIDDEN");
    expect(codeOf((await stack.gql(READ, { c: id, m: message.id }, mallory.token)).errors)).toBe("FORBIDDEN");
    // Nothing was added by the refused calls.
    expect((await history(alice, id))!.messages.edges.map((e) => e.node.body)).toEqual(["secret"]);
  });

  it("refuses bad input with BAD_USER_INPUT and stores nothing", async () => {
    const [alice, bob, carol, dave, erin] = [await signUp(), await signUp(), await signUp(), await signUp(), await signUp()];
    const id = (await start(alice, [bob.id])).data!.startConversation.id;
    const other = (await start(alice, [carol.id])).data!.startConversation.id;
    const foreign = (await send(alice, other, "elsewhere")).data!.sendMessage;
    for (const body of ["", "   ", "x".repeat(4_001), "bad \ud800 surrogate", "nul \u0000", "bidi \u202e override"]) {
      expect(codeOf((await send(alice, id, body)).errors), JSON.stringify(body.slice(0, 20))).toBe("BAD_USER_INPUT");
    }
    expect((await send(alice, id, "😀".repeat(4_000))).errors).toBeUndefined();
    for (const clientMessageId of ["", "x".repeat(129), "with space", "ctl\u0001"]) {
      expect(codeOf((await send(alice, id, "body", clientMessageId)).errors)).toBe("BAD_USER_INPUT");
    }
    for (const ids of [
      [],
      [alice.id],
      [bob.id, bob.id],
      [alice.id, alice.id, bob.id],
      [newId(7)],
      ["not-an-id"],
      [bob.id, carol.id, dave.id, erin.id],
    ]) {
      expect(codeOf((await start(alice, ids)).errors), JSON.stringify(ids)).toBe("BAD_USER_INPUT");
    }
    // A group of the maximum size is fine.
    expect((await start(alice, [bob.id, carol.id, dave.id])).errors).toBeUndefined();
    expect(codeOf((await stack.gql(READ, { c: id, m: foreign.id }, alice.token)).errors)).toBe("BAD_USER_INPUT");
    expect(codeOf((await stack.gql(READ, { c: id, m: "garbage" }, alice.token)).errors)).toBe("BAD_USER_INPUT");
    for (const variables of [
      { id, last: 101 },
      { id, last: -1 },
      { id, before: "garbage" },
      { id, before: "WyJkIiwxLCJ4Il0" },
    ]) {
      expect(codeOf((await stack.gql(CONVERSATION, variables, alice.token)).errors), JSON.stringify(variables)).toBe(
        "BAD_USER_INPUT",
      );
    }
    expect(codeOf((await stack.gql(CONVERSATIONS, { first: 101 }, alice.token)).errors)).toBe("BAD_USER_INPUT");
    expect(codeOf((await stack.gql(CONVERSATIONS, { after: "%%%" }, alice.token)).errors)).toBe("BAD_USER_INPUT");
    expect((await history(alice, id))!.messages.edges).toHaveLength(1);
  });

  it("stores one message for 50 concurrent sends with one clientMessageId, and refuses the id with another body", async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const id = (await start(alice, [bob.id])).data!.startConversation.id;
    const key = cmid();
    const results = await Promise.all(Array.from({ length: 50 }, () => send(alice, id, "exactly once", key)));
    for (const result of results) expect(result.errors).toBeUndefined();
    const ids = new Set(results.map((r) => r.data!.sendMessage.id));
    expect(ids.size).toBe(1);
    expect(codeOf((await send(alice, id, "something else", key)).errors)).toBe("IDEMPOTENCY_KEY_REUSED");
    // The same key from the other member is their own message.
    expect((await send(bob, id, "mine", key)).errors).toBeUndefined();
    const bodies = (await history(alice, id))!.messages.edges.map((e) => e.node.body);
    expect(bodies).toEqual(["exactly once", "mine"]);
    // Alice has one unread (bob's); bob replied after alice's message, so he has read it.
    expect((await inbox(alice)).find((c) => c.id === id)?.unreadCount).toBe(1);
    await waitFor(async () => (await inbox(bob)).find((c) => c.id === id)?.lastMessage?.body === "mine", {
      timeoutMs: 60_000,
      description: "bob's inbox has both messages",
    });
    expect((await inbox(bob)).find((c) => c.id === id)?.unreadCount).toBe(0);
  });

  it("keeps history gap-free under concurrent senders", async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const id = (await start(alice, [bob.id])).data!.startConversation.id;
    await Promise.all(Array.from({ length: 40 }, (_, i) => send(i % 2 ? alice : bob, id, `m${i}`)));
    const edges = (await history(alice, id))!.messages.edges;
    expect(edges).toHaveLength(40);
    expect(new Set(edges.map((e) => e.node.body)).size).toBe(40);
  });

  it("never caches chat in the router (the cache policy keeps it private)", async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const id = (await start(alice, [bob.id])).data!.startConversation.id;
    const headers = { authorization: `Bearer ${alice.token}`, "x-plaza-cache-debug": "1" };
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(stack.routerUrl, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ query: CONVERSATION, variables: { id } }),
      });
      statuses.push(response.headers.get("x-plaza-cache") ?? "none");
      const again = await fetch(stack.routerUrl, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ query: CONVERSATIONS, variables: {} }),
      });
      statuses.push(again.headers.get("x-plaza-cache") ?? "none");
    }
    expect(statuses.filter((s) => s.startsWith("hit"))).toEqual([]);
    // A message sent meanwhile shows at once (nothing stale served).
    expect((await send(alice, id, "fresh")).errors).toBeUndefined();
    const fresh = await postGraphQL<{ conversation: { messages: { edges: unknown[] } } }>(
      stack.routerUrl,
      { query: CONVERSATION, variables: { id } },
      headers,
    );
    expect(fresh.data!.conversation.messages.edges).toHaveLength(1);
  });
});
