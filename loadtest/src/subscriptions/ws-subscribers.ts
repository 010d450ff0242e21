// Child process of the subscription benchmarks: holds many graphql-ws subscriptions (a minimal client on raw `ws`,
// so the load generator costs little per connection) and records when each event arrives.
//   parent → { type: "open", url, subscriptions: [{ token?, query, variables? }], markerPath, concurrency }
//   parent → { type: "collect", marker } → { type: "times", marker, times }   (epoch ms, one per subscriber that has it)
//   parent → { type: "stats" } → { type: "stats", open, received, errors, closed }
//   parent → { type: "close" }
import { WebSocket } from "ws";

interface SubscriptionSpec {
  token?: string;
  /** The whole connection_init payload (e.g. a subgraph's signed identity); wins over `token`. */
  connectionParams?: Record<string, unknown>;
  query: string;
  variables?: Record<string, unknown>;
}

type Message =
  | { type: "open"; url: string; subscriptions: SubscriptionSpec[]; markerPath: string; concurrency: number }
  | { type: "collect"; marker: string }
  | { type: "stats" }
  | { type: "close" };

const sockets = new Set<WebSocket>();
const times = new Map<string, number[]>();
const stats = { open: 0, received: 0, errors: 0, closed: 0, closeCodes: {} as Record<string, number> };
let markerPath: string[] = [];

const now = () => performance.timeOrigin + performance.now();
const send = (message: unknown) => process.send!(message);

function markerOf(data: unknown): string | undefined {
  let value: unknown = data;
  for (const key of markerPath) value = (value as Record<string, unknown> | null | undefined)?.[key];
  return value === undefined || value === null ? undefined : String(value);
}

function open(url: string, spec: SubscriptionSpec): Promise<void> {
  return new Promise((resolve) => {
    if (!/^wss?:\/\/(127\.|localhost|\[::1\])/.test(url)) throw new Error(`refusing a non-loopback target: ${url}`);
    const ws = new WebSocket(url, "graphql-transport-ws", { perMessageDeflate: false });
    sockets.add(ws);
    let settled = false;
    const settle = () => {
      if (!settled) {
        settled = true;
        resolve();
      }
    };
    ws.on("open", () => {
      ws.send(
        JSON.stringify({
          type: "connection_init",
          payload: spec.connectionParams ?? (spec.token ? { authorization: `Bearer ${spec.token}` } : {}),
        }),
      );
    });
    ws.on("message", (raw) => {
      const at = now();
      const message = JSON.parse(String(raw)) as { type: string; payload?: { data?: unknown; errors?: unknown[] } };
      if (message.type === "next") {
        stats.received++;
        if (message.payload?.errors) stats.errors++;
        const marker = markerOf(message.payload?.data);
        if (marker !== undefined) {
          let list = times.get(marker);
          if (!list) times.set(marker, (list = []));
          list.push(at);
        }
      } else if (message.type === "connection_ack") {
        stats.open++;
        ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: spec.query, variables: spec.variables } }));
        settle();
      } else if (message.type === "error") {
        stats.errors++;
      }
    });
    ws.on("error", () => settle());
    ws.on("close", (code) => {
      stats.closed++;
      stats.closeCodes[code] = (stats.closeCodes[code] ?? 0) + 1;
      sockets.delete(ws);
      settle();
    });
  });
}

process.on("message", async (message: Message) => {
  switch (message.type) {
    case "open": {
      markerPath = message.markerPath.split(".");
      const queue = [...message.subscriptions];
      await Promise.all(
        Array.from({ length: Math.max(1, message.concurrency) }, async () => {
          for (let spec = queue.shift(); spec; spec = queue.shift()) await open(message.url, spec);
        }),
      );
      send({ type: "opened", open: stats.open });
      return;
    }
    case "collect":
      send({ type: "times", marker: message.marker, times: times.get(message.marker) ?? [] });
      times.delete(message.marker);
      return;
    case "stats":
      send({ type: "stats", ...stats });
      return;
    case "close":
      for (const ws of sockets) ws.terminate();
      send({ type: "closed" });
      process.exit(0);
  }
});
send({ type: "ready" });
