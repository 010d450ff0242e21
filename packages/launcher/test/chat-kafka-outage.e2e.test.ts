import { describe, expect, it } from "vitest";
import { waitFor } from "@plaza/testkit";
import { newSignUp, stackOnPrivateKafka } from "./test-stack.ts";

const SIGN_UP = "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }";
const START = "mutation ($ids: [ID!]!) { startConversation(memberIds: $ids) { id } }";
const SEND = "mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id } }";
const INBOX = "{ conversations(first: 10) { edges { node { id unreadCount lastMessage { body } } } } }";
const HISTORY = "query ($id: ID!) { conversation(id: $id) { messages(last: 50) { edges { node { body } } } } }";

// A private broker: this test stops it, which must not disturb other test files.
describe("chat while Kafka is down (real broker stopped and restarted)", () => {
  const running = stackOnPrivateKafka();

  async function signUp() {
    const result = await running
      .stack()
      .gql<{ signUp: { token: string; user: { id: string } } }>(SIGN_UP, { input: newSignUp("chatout") });
    expect(result.errors).toBeUndefined();
    return { token: result.data!.signUp.token, id: result.data!.signUp.user.id };
  }
  async function send(token: string, conversationId: string, body: string) {
    const result = await running
      .stack()
      .gql<{ sendMessage: { id: string } }>(
        SEND,
        { input: { conversationId, body, clientMessageId: body.replace(/\W/g, "-") } },
        token,
      );
    expect(result.errors).toBeUndefined();
    return result.data!.sendMessage.id;
  }
  const inboxEntry = async (token: string, id: string) =>
    (
      await running.stack().gql<{
        conversations: { edges: Array<{ node: { id: string; unreadCount: number; lastMessage: { body: string } | null } }> };
      }>(INBOX, {}, token)
    ).data?.conversations.edges.find((edge) => edge.node.id === id)?.node;

  const inboxOrder = async (token: string) =>
    (
      (await running.stack().gql<{ conversations: { edges: Array<{ node: { id: string } }> } }>(INBOX, {}, token)).data
        ?.conversations.edges ?? []
    ).map((edge) => edge.node.id);

  it("stores messages sent during the outage; the other member's inbox catches up once the broker is back", async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const started = await running.stack().gql<{ startConversation: { id: string } }>(START, { ids: [bob.id] }, alice.token);
    const id = started.data!.startConversation.id;
    await send(alice.token, id, "before the outage");
    const carol = await signUp();
    const withCarol = (await running.stack().gql<{ startConversation: { id: string } }>(START, { ids: [bob.id] }, carol.token))
      .data!.startConversation.id;
    await send(carol.token, withCarol, "carol's news");
    await waitFor(async () => (await inboxOrder(bob.token)).join() === [withCarol, id].join(), {
      timeoutMs: 120_000,
      intervalMs: 200,
      description: "bob's inbox has both conversations, carol's most recent",
    });

    await running.kafka().stop();
    await send(alice.token, id, "during 1");
    await send(alice.token, id, "during 2");
    const history = await running
      .stack()
      .gql<{ conversation: { messages: { edges: Array<{ node: { body: string } }> } } }>(HISTORY, { id }, bob.token);
    expect(history.data!.conversation.messages.edges.map((e) => e.node.body)).toEqual([
      "before the outage",
      "during 1",
      "during 2",
    ]);
    // Bob's inbox entry (on his shard) only hears of them through the events: not yet. So his list still shows the
    // conversation with carol, active after alice's first message, first.
    const entry = async () => (await running.stack().chat.inbox.entries(bob.id, [id]))[0];
    expect((await entry())?.lastSeq).toBe(1);
    expect(await inboxOrder(bob.token)).toEqual([withCarol, id]);

    await running.kafka().start();
    await waitFor(async () => (await entry())?.lastSeq === 3, {
      timeoutMs: 120_000,
      intervalMs: 250,
      description: "bob's inbox caught up after the outage",
    });
    expect(await inboxOrder(bob.token)).toEqual([id, withCarol]);
    expect((await inboxEntry(bob.token, id))?.unreadCount).toBe(3);
    // Nothing duplicated by the redelivery after the outage.
    const after = await running.stack().gql<{ conversation: { messages: { edges: unknown[] } } }>(HISTORY, { id }, alice.token);
    expect(after.data!.conversation.messages.edges).toHaveLength(3);
  });
});
