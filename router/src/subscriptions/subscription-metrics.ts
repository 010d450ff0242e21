import type { Counter, Gauge, Histogram } from "prom-client";
import type { ServiceMetrics } from "@plaza/kit";

/** How a client holds its subscriptions: graphql-ws connections or GraphQL over SSE requests. */
export type SubscriptionTransport = "ws" | "sse";

export interface SubscriptionMetrics {
  /** Open graphql-ws connections and SSE subscription streams. */
  connections: Gauge<"transport">;
  /** Client subscriptions being served (one per graphql-ws `subscribe` / SSE stream). */
  clientSubscriptions: Gauge;
  /** Subscriptions open on subgraphs; shared by every client of the same operation, variables and scope. */
  upstreamSubscriptions: Gauge<"subgraph">;
  /** Events handed to a client transport (one per client per event). */
  eventsDelivered: Counter;
  /** From the router receiving an event from the subgraph to handing it to a client's transport. */
  deliveryLatency: Histogram;
  /** Clients closed because they did not read fast enough (their buffer filled up). */
  slowConsumersDropped: Counter<"transport">;
  /** Upstream graphql-ws connections re-established after a subgraph went away. */
  upstreamReconnects: Counter<"subgraph">;
}

/** Delivery is usually sub-millisecond to tens of milliseconds; the tail matters under fan-out to thousands. */
const DELIVERY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createSubscriptionMetrics(base: ServiceMetrics): SubscriptionMetrics {
  return {
    connections: base.gauge("subscription_connections", "Open subscription connections by transport", ["transport"]),
    clientSubscriptions: base.gauge("subscriptions_active", "Active client subscriptions"),
    upstreamSubscriptions: base.gauge(
      "upstream_subscriptions_active",
      "Active subscriptions on subgraphs (shared between identical client subscriptions)",
      ["subgraph"],
    ),
    eventsDelivered: base.counter("subscription_events_delivered_total", "Subscription events handed to clients"),
    deliveryLatency: base.histogram(
      "subscription_delivery_latency_seconds",
      "Time from the router receiving a subscription event to handing it to a client",
      [],
      DELIVERY_BUCKETS,
    ),
    slowConsumersDropped: base.counter(
      "subscription_slow_consumers_dropped_total",
      "Subscription clients closed because their buffer filled up",
      ["transport"],
    ),
    upstreamReconnects: base.counter(
      "upstream_subscription_reconnects_total",
      "Upstream graphql-ws connections re-established after a subgraph went away",
      ["subgraph"],
    ),
  };
}
