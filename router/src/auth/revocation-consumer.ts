import { SessionRevoked, TokensRevoked, type EventBus, type EventEnvelope } from "@plaza/events";
import type { Logger } from "@plaza/kit";
import { startInvalidationConsumer, type InvalidationConsumer } from "../cache/invalidation-consumer.ts";
import type { Revocation } from "./sessions.ts";

export const SESSION_GROUP_PREFIX = "router.sessions.";

/** SessionRevoked / TokensRevoked → a revocation; any other event (or a malformed one) → undefined. */
export function revocationOf(event: Pick<EventEnvelope, "type" | "version" | "payload">): Revocation | undefined {
  if (event.type === SessionRevoked.type && event.version === SessionRevoked.version) {
    const parsed = SessionRevoked.payload.safeParse(event.payload);
    return parsed.success ? { kind: "session", userId: parsed.data.userId, sessionId: parsed.data.sessionId } : undefined;
  }
  if (event.type === TokensRevoked.type && event.version === TokensRevoked.version) {
    const parsed = TokensRevoked.payload.safeParse(event.payload);
    return parsed.success ? { kind: "tokens", userId: parsed.data.userId, tokenVersion: parsed.data.tokenVersion } : undefined;
  }
  return undefined;
}

/**
 * Every router instance consumes the users topic in its own group and forgets revoked tokens' verdicts at once.
 * The verdicts live in memory only, so a restarted instance needs no history: it checks each token again anyway.
 * Without events (broker down, no bus), revocations still take effect within the session check TTL.
 */
export function startRevocationConsumer(opts: {
  bus: EventBus;
  instanceId: string;
  topic: string;
  revoke(revocation: Revocation): void;
  logger: Logger;
}): InvalidationConsumer {
  return startInvalidationConsumer({
    bus: opts.bus,
    groupId: `${SESSION_GROUP_PREFIX}${opts.instanceId}`,
    topics: [opts.topic],
    purpose: "sessions",
    logger: opts.logger,
    handleBatch: async (events) => {
      for (const event of events) {
        const revocation = revocationOf(event);
        if (revocation) opts.revoke(revocation);
      }
    },
  });
}
