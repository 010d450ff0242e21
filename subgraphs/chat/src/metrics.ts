import type { ServiceMetrics } from "@plaza/kit";
import type { LiveMessagesMetrics } from "./application/live-messages.ts";

/** The chat subgraph's own instruments (plaza_chat_*), next to kit's HTTP/GraphQL ones. */
export function createChatMetrics(metrics: ServiceMetrics): {
  live: LiveMessagesMetrics;
  messagesSent: () => void;
  afterCommitFailures: () => void;
} {
  const subscriptions = metrics.gauge("message_subscriptions", "Active messageAdded subscriptions on this instance");
  const sent = metrics.counter("messages_sent_total", "Messages stored (idempotent retries not counted)");
  const failures = metrics.counter(
    "after_commit_failures_total",
    "Own-inbox updates or live broadcasts that failed after a change committed (the event path repairs the inbox)",
  );
  return {
    live: { subscriptions: (delta) => subscriptions.inc(delta) },
    messagesSent: () => sent.inc(),
    afterCommitFailures: () => failures.inc(),
  };
}
