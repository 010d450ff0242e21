/**
 * Kafka topic names, one per domain. The `.v1` suffix versions the topic itself (its partitioning
 * and retention contract); event schemas carry their own version inside the envelope.
 */
export const Topics = {
  users: "plaza.users.v1",
  posts: "plaza.posts.v1",
  counters: "plaza.counters.v1",
  chat: "plaza.chat.v1",
  payments: "plaza.payments.v1",
} as const;

export type DomainTopic = (typeof Topics)[keyof typeof Topics];

export const DOMAIN_TOPICS: readonly DomainTopic[] = Object.values(Topics);

const DEAD_LETTER_SUFFIX = ".dlq";

/** Poison messages of `topic` are parked on `<topic>.dlq`, keeping their key, value and headers. */
export function deadLetterTopic(topic: string): string {
  return `${topic}${DEAD_LETTER_SUFFIX}`;
}

export function isDeadLetterTopic(topic: string): boolean {
  return topic.endsWith(DEAD_LETTER_SUFFIX);
}
