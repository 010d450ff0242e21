// Baseline for the fan-out benchmark: a bare `ws` server speaking just enough graphql-transport-ws to be
// subscribed to, broadcasting one pre-serialized message to every subscriber on request. No GraphQL, no
// federation: what pushing one small message to N sockets costs on this machine, measured in the same run.
//   parent → { type: "broadcast", marker } → { type: "broadcasting" }
import { WebSocketServer, type WebSocket } from "ws";

const markerPath = (process.env.MARKER_PATH ?? "itemAdded.title").split(".");
const subscribers = new Map<WebSocket, string>();
const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });

server.on("connection", (socket) => {
  socket.on("message", (raw) => {
    const message = JSON.parse(String(raw)) as { type: string; id?: string };
    if (message.type === "connection_init") socket.send(JSON.stringify({ type: "connection_ack" }));
    else if (message.type === "subscribe" && message.id) subscribers.set(socket, message.id);
  });
  socket.on("close", () => subscribers.delete(socket));
});

function payloadFor(marker: string): string {
  let data: unknown = marker;
  for (const key of [...markerPath].reverse()) data = { [key]: data };
  return JSON.stringify({ data });
}

process.on("message", (message: { type: string; marker?: string }) => {
  if (message.type === "broadcast") {
    process.send!({ type: "broadcasting" });
    const payload = payloadFor(message.marker!);
    for (const [socket, id] of subscribers) socket.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`);
  } else if (message.type === "count") {
    process.send!({ type: "count", count: subscribers.size });
  } else if (message.type === "stop") {
    server.close();
    process.exit(0);
  }
});
server.on("listening", () => {
  const address = server.address();
  process.send!({ type: "listening", port: typeof address === "object" && address ? address.port : 0 });
});
