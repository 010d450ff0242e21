/** A new message as broadcast to every chat instance (everything needed to deliver it without a lookup). */
export interface BroadcastMessage {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  body: string;
  clientMessageId: string;
  /** ISO-8601. */
  createdAt: string;
}

export type BroadcastListener = (message: BroadcastMessage) => void;

/**
 * Carries new messages to every instance of the chat subgraph, so a member subscribed to any instance hears of
 * messages sent through any other. Best effort (live updates; history is the durable path).
 */
export interface MessageBroadcast {
  publish(message: BroadcastMessage): Promise<void>;
  /** Resolves once the listener is receiving; the returned function unsubscribes. */
  subscribe(listener: BroadcastListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
