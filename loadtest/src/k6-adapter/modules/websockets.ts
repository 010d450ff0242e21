// The k6 adapter's `k6/websockets` (k6's browser-like WebSocket) on top of `ws`. k6 takes the subprotocol from the
// Sec-WebSocket-Protocol header of `params.headers` (its `protocols` argument must be null); `ws` wants it as
// `protocols`, so the header is moved there.
import { WebSocket as NodeWebSocket } from "ws";
import { adapterState, record, recordError } from "../state.ts";

type EventName = "open" | "close" | "error" | "message" | "ping" | "pong";
interface Event {
  type: EventName;
  data?: string;
  error?: string;
  timestamp: number;
}

export class WebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  onopen: (() => void) | null = null;
  onmessage: ((event?: Event) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: ((event?: Event) => void) | null = null;
  onping: (() => void) | null = null;
  onpong: (() => void) | null = null;

  private readonly socket: NodeWebSocket;
  private readonly listeners = new Map<EventName, Array<(event: Event) => void>>();
  private readonly tracked = { forceClose: () => this.socket.terminate() };

  constructor(
    readonly url: string,
    protocols?: null,
    params?: { headers?: Record<string, string> } | null,
  ) {
    if (protocols !== undefined && protocols !== null) throw new Error("k6: the protocols argument must be null");
    const headers = { ...params?.headers };
    const protocolHeader = Object.keys(headers).find((name) => name.toLowerCase() === "sec-websocket-protocol");
    const subprotocols = protocolHeader ? headers[protocolHeader]!.split(",").map((p) => p.trim()) : [];
    if (protocolHeader) delete headers[protocolHeader];
    this.socket = new NodeWebSocket(url, subprotocols, { headers, perMessageDeflate: false });
    adapterState().sockets.add(this.tracked);
    record("ws_sessions", "counter", 1);
    this.socket.on("open", () => this.emit({ type: "open", timestamp: Date.now() }));
    this.socket.on("message", (data) => {
      record("ws_msgs_received", "counter", 1);
      this.emit({ type: "message", data: String(data), timestamp: Date.now() });
    });
    this.socket.on("ping", () => this.emit({ type: "ping", timestamp: Date.now() }));
    this.socket.on("pong", () => this.emit({ type: "pong", timestamp: Date.now() }));
    this.socket.on("error", (error) => this.emit({ type: "error", error: error.message, timestamp: Date.now() }));
    this.socket.on("close", () => {
      adapterState().sockets.delete(this.tracked);
      this.emit({ type: "close", timestamp: Date.now() });
    });
  }

  get readyState(): number {
    return this.socket.readyState;
  }

  send(data: string): void {
    record("ws_msgs_sent", "counter", 1);
    this.socket.send(data);
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code ?? 1000, reason);
  }

  ping(): void {
    this.socket.ping();
  }

  addEventListener(event: EventName, listener: (event: Event) => void): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }

  private emit(event: Event): void {
    const handler = {
      open: this.onopen,
      message: this.onmessage,
      close: this.onclose,
      error: this.onerror,
      ping: this.onping,
      pong: this.onpong,
    }[event.type];
    // As in k6, an exception in a handler ends the iteration: recorded, and the socket closed.
    try {
      handler?.call(this, event);
      for (const listener of this.listeners.get(event.type) ?? []) listener.call(this, event);
    } catch (error) {
      recordError(`WebSocket ${event.type} handler`, error);
      this.socket.terminate();
    }
  }
}

export default { WebSocket };
