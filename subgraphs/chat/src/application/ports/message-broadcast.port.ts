/** A new message as broadcast to every chat instance (everything needed to deliver it without a lookup). */
export interface BroadcastMessage {
  kind: "message";
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  body: string;
  clientMessageId: string;
  /** ISO-8601. */
  createdAt: string;
  /** The conversation's members: whose inboxes changed. */
  memberIds: string[];
}

/** A member's read position moved forward (their other devices' inboxes change). */
export interface BroadcastRead {
  kind: "read";
  conversationId: string;
  userId: string;
  readSeq: number;
}

export type ChatBroadcast = BroadcastMessage | BroadcastRead;

export type BroadcastListener = (event: ChatBroadcast) => void;

/**
 * Carries new messages and read positions to every instance of the chat subgraph, so a member subscribed to any
 * instance hears of changes made through any other. Best effort (live updates; history is the durable path).
 */
export interface MessageBroadcast {
  publish(event: ChatBroadcast): Promise<void>;
  /** Resolves once the listener is receiving; the returned function unsubscribes. */
  subscribe(listener: BroadcastListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
