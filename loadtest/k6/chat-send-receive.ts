// Chat send-and-receive over graphql-ws: each iteration, one member of a seeded pair's conversation subscribes to
// `messageAdded` at the router (graphql-transport-ws, token in connection_init), the other sends messages through
// the HTTP mutation, and the time from each send to its arrival is the `chat_send_to_receive` trend.
// A subscription is live only once the router has opened it upstream, which graphql-ws does not acknowledge: the
// iteration first sends warm-up messages (every 250 ms, not measured) until one arrives, then sends
// PLAZA_CHAT_MESSAGES (default 3) messages one after the other, each after the previous one arrived.
//   k6 run loadtest/k6/chat-send-receive.ts
import { check } from "k6";
import { Trend } from "k6/metrics";
import type { Options } from "k6/options";
import { clearTimeout, setTimeout } from "k6/timers";
import { WebSocket } from "k6/websockets";
import { config, gql, setupSeeded, summaryHandler, uniqueId, type SetupData } from "./lib/k6-client.ts";
import { at, MESSAGE_ADDED, SEND_MESSAGE } from "./lib/operations.ts";
import { constantVusOptions } from "./lib/scenarios.ts";

export const options: Options = constantVusOptions("chat-send-receive", config);

const sendToReceive = new Trend("chat_send_to_receive", true);

const WARM_UP_INTERVAL_MS = 250;
const WARM_UP_MAX_SENDS = 40;
const ITERATION_TIMEOUT_MS = 20_000;

export function setup(): SetupData {
  return setupSeeded({ conversations: true });
}

export default function (data: SetupData): void {
  const conversation = data.conversations[(Math.max(__VU, 1) - 1) % data.conversations.length]!;
  const receiver = data.viewers[conversation.members[__ITER % 2]!]!;
  const sender = data.viewers[conversation.members[(__ITER + 1) % 2]!]!;
  const warmUpBodies = new Set<string>();
  const sentAt = new Map<string, number>();
  let subscribed = false;
  let received = 0;
  let finished = false;
  let warmUpTimer: number | undefined;

  const ws = new WebSocket(config.wsUrl, null, { headers: { "Sec-WebSocket-Protocol": "graphql-transport-ws" } });

  function send(body: string): void {
    gql(SEND_MESSAGE, { input: { conversationId: conversation.id, body, clientMessageId: body } }, sender.token);
  }
  function sendMeasured(): void {
    const body = uniqueId("chat");
    sentAt.set(body, Date.now());
    send(body);
  }
  function warmUp(): void {
    if (subscribed || finished) return;
    if (warmUpBodies.size >= WARM_UP_MAX_SENDS) return finish();
    const body = uniqueId("warm-up");
    warmUpBodies.add(body);
    send(body);
    warmUpTimer = setTimeout(warmUp, WARM_UP_INTERVAL_MS);
  }
  function finish(): void {
    if (finished) return;
    finished = true;
    clearTimeout(deadline);
    if (warmUpTimer !== undefined) clearTimeout(warmUpTimer);
    check(null, {
      "chat: subscription delivered": () => subscribed,
      "chat: every message received": () => received === config.chatMessages,
    });
    if (ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ id: "1", type: "complete" }));
      ws.close();
    }
  }
  const deadline = setTimeout(finish, ITERATION_TIMEOUT_MS);

  ws.onopen = () => {
    ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${receiver.token}` } }));
  };
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event?.data)) as { id?: string; type?: string; payload?: unknown };
    if (message.type === "connection_ack") {
      ws.send(
        JSON.stringify({
          id: "1",
          type: "subscribe",
          payload: { query: MESSAGE_ADDED, variables: { conversationId: conversation.id } },
        }),
      );
      warmUp();
    } else if (message.type === "ping") {
      ws.send(JSON.stringify({ type: "pong" }));
    } else if (message.type === "next" && message.id === "1") {
      const body = at(message.payload, "data.messageAdded.body");
      if (typeof body !== "string") {
        check(message.payload, { "chat: messageAdded has a body": () => false });
        return finish();
      }
      if (warmUpBodies.has(body)) {
        if (subscribed) return;
        subscribed = true;
        if (warmUpTimer !== undefined) clearTimeout(warmUpTimer);
        return sendMeasured();
      }
      const sent = sentAt.get(body);
      if (sent === undefined) return; // another VU's message in a shared conversation
      sentAt.delete(body);
      sendToReceive.add(Date.now() - sent);
      received++;
      if (received < config.chatMessages) sendMeasured();
      else finish();
    } else if (message.type === "error" || message.type === "complete") {
      check(message.payload, { "chat: subscription not refused": () => false });
      finish();
    }
  };
  ws.onerror = (event) => {
    check(event?.error, { "chat: WebSocket without errors": () => false });
    finish();
  };
  ws.onclose = () => {
    if (!finished) finish();
  };
}

export const handleSummary = summaryHandler("chat-send-receive");
