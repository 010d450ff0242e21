/** Everything about subscriptions an operator can tune; env.ts maps ROUTER_* variables onto it. */
export interface SubscriptionOptions {
  /**
   * Root subscription fields whose results are the same for every viewer (e.g. `counterChanged`). They are opened
   * and resolved as the anonymous viewer and shared by all clients. Every other subscription of an authenticated
   * client is scoped to that viewer and never shared across viewers.
   */
  publicFields: readonly string[];
  /** graphql-ws connections plus SSE streams one authenticated user may hold at once. */
  maxConnectionsPerUser: number;
  /** Operations in flight on one graphql-ws connection. */
  maxSubscriptionsPerConnection: number;
  /** graphql-ws connections anonymous clients may hold from one address (they have no identity to count against). */
  maxAnonymousConnectionsPerIp: number;
  /** Operations in flight on one anonymous graphql-ws connection. */
  maxAnonymousSubscriptionsPerConnection: number;
  /** WebSocket ping every interval; a connection that has not answered the previous ping by then is dropped. */
  pingIntervalMs: number;
  /** Largest message a client may send over graphql-ws (bigger ones close the connection with 1009). */
  maxMessageBytes: number;
  /** Bytes waiting to be written to one graphql-ws connection before it is dropped as a slow consumer. */
  maxBufferedBytes: number;
  /** Events waiting for one client subscription (the SSE buffer) before it is dropped as a slow consumer. */
  maxQueuedEvents: number;
  /** Reconnection attempts to a subgraph that went away before its subscriptions fail (reset on success). */
  retryAttempts: number;
  /** Upper bound of the exponential backoff between reconnection attempts. */
  retryMaxDelayMs: number;
  /** graphql-ws: a connection must send connection_init within this time. */
  connectionInitTimeoutMs: number;
}

export const SUBSCRIPTION_DEFAULTS: SubscriptionOptions = Object.freeze({
  publicFields: [],
  maxConnectionsPerUser: 16,
  maxSubscriptionsPerConnection: 100,
  maxAnonymousConnectionsPerIp: 8,
  maxAnonymousSubscriptionsPerConnection: 20,
  pingIntervalMs: 15_000,
  maxMessageBytes: 65_536,
  maxBufferedBytes: 1_048_576,
  maxQueuedEvents: 256,
  retryAttempts: 20,
  retryMaxDelayMs: 10_000,
  connectionInitTimeoutMs: 3_000,
});

export function subscriptionOptions(partial: Partial<SubscriptionOptions> = {}): SubscriptionOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined));
  return { ...SUBSCRIPTION_DEFAULTS, ...defined };
}
