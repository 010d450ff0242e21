// The Node driver's chat-send-receive: what loadtest/k6/chat-send-receive.ts does per iteration, with `ws` for
// graphql-ws and fetch for sendMessage, `connections` VUs looping until the duration is over.
import { WebSocket } from "ws";
import { answerIsCorrect, at, MESSAGE_ADDED, SEND_MESSAGE } from "../../k6/lib/operations.ts";
import { Checks, type Measured } from "./results.ts";
import type { LocalSetup } from "./setup.ts";

const WARM_UP_INTERVAL_MS = 250;
const WARM_UP_MAX_SENDS = 40;
const ITERATION_TIMEOUT_MS = 20_000;

export async function runChat(
  url: string,
  wsUrl: string,
  setup: LocalSetup,
  shape: { connections: number; durationSeconds: number; messages: number },
  checks = new Checks(),
): Promise<Measured> {
  const latencies: number[] = [];
  const chatLatencies: number[] = [];
  let httpFailed = 0;
  let requests = 0;
  let sequence = 0;
  const started = Date.now();
  const end = started + shape.durationSeconds * 1000;

  async function send(conversationId: string, body: string, token: string): Promise<void> {
    const begin = performance.now();
    requests++;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: SEND_MESSAGE.query,
          variables: { input: { conversationId, body, clientMessageId: body } },
        }),
      });
      const text = await response.text();
      latencies.push(performance.now() - begin);
      if (response.status >= 400) httpFailed++;
      checks.add("SendMessage: HTTP 200", response.status === 200);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      checks.add("SendMessage: correct answer", parsed !== undefined && answerIsCorrect(SEND_MESSAGE, parsed));
    } catch {
      httpFailed++;
      checks.add("SendMessage: HTTP 200", false);
    }
  }

  function iteration(vu: number, iter: number): Promise<void> {
    const conversation = setup.conversations[(vu - 1) % setup.conversations.length]!;
    const receiver = setup.viewers[conversation.members[iter % 2]!]!;
    const sender = setup.viewers[conversation.members[(iter + 1) % 2]!]!;
    const unique = (prefix: string) => `${prefix}-${vu}-${iter}-${++sequence}-${Date.now().toString(36)}`;
    return new Promise((resolve) => {
      const warmUpBodies = new Set<string>();
      const sentAt = new Map<string, number>();
      let subscribed = false;
      let received = 0;
      let finished = false;
      let warmUpTimer: NodeJS.Timeout | undefined;
      const ws = new WebSocket(wsUrl, "graphql-transport-ws", { perMessageDeflate: false });
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(deadline);
        clearTimeout(warmUpTimer);
        checks.add("chat: subscription delivered", subscribed);
        checks.add("chat: every message received", received === shape.messages);
        ws.terminate();
        resolve();
      };
      const deadline = setTimeout(finish, ITERATION_TIMEOUT_MS);
      const sendMeasured = () => {
        const body = unique("chat");
        sentAt.set(body, performance.now());
        void send(conversation.id, body, sender.token);
      };
      const warmUp = () => {
        if (subscribed || finished) return;
        if (warmUpBodies.size >= WARM_UP_MAX_SENDS) return finish();
        const body = unique("warm-up");
        warmUpBodies.add(body);
        void send(conversation.id, body, sender.token);
        warmUpTimer = setTimeout(warmUp, WARM_UP_INTERVAL_MS);
      };
      ws.on("open", () =>
        ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${receiver.token}` } })),
      );
      ws.on("message", (data) => {
        const message = JSON.parse(String(data)) as { id?: string; type?: string; payload?: unknown };
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
          if (typeof body !== "string") return finish();
          if (warmUpBodies.has(body)) {
            if (subscribed) return;
            subscribed = true;
            clearTimeout(warmUpTimer);
            return sendMeasured();
          }
          const sent = sentAt.get(body);
          if (sent === undefined) return;
          sentAt.delete(body);
          chatLatencies.push(performance.now() - sent);
          received++;
          if (received < shape.messages) sendMeasured();
          else finish();
        } else if (message.type === "error" || message.type === "complete") {
          checks.add("chat: subscription not refused", false);
          finish();
        }
      });
      ws.on("error", () => {
        checks.add("chat: WebSocket without errors", false);
        finish();
      });
      ws.on("close", finish);
    });
  }

  await Promise.all(
    Array.from({ length: shape.connections }, async (_, i) => {
      for (let iter = 0; Date.now() < end; iter++) await iteration(i + 1, iter);
    }),
  );
  return { latencies, httpFailed, requests, checks, seconds: (Date.now() - started) / 1000, chatLatencies };
}
