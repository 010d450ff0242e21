import type { OutboxEvents } from "@plaza/events/contracts";

/** One member's view of one conversation, on the member's shard. */
export interface InboxEntry {
  userId: string;
  conversationId: string;
  lastActivityAt: Date;
  /** Sequence of the newest message this entry has heard of. */
  lastSeq: number;
  lastMessageId: string | null;
  /** The member has read every message up to this sequence. */
  readSeq: number;
}

/** What a conversation event changes in a member's inbox entry; every field only ever moves forward. */
export interface InboxChange {
  userId: string;
  conversationId: string;
  at: Date;
  seq: number;
  messageId: string | null;
  /** The member sent the message: it is read up to it too. */
  read: boolean;
}

export interface InboxRepository {
  /**
   * Applies changes on each member's shard: entries are created when missing and otherwise only moved forward
   * (GREATEST), so a change applied twice, or after a newer one, changes nothing. Idempotent and order-safe.
   */
  apply(changes: readonly InboxChange[]): Promise<void>;
  /** The viewer's entries, most recent activity first, after a (lastActivityAt, conversationId) position. One shard. */
  list(
    userId: string,
    first: number,
    after: { at: Date; conversationId: string } | null,
  ): Promise<{ entries: InboxEntry[]; hasNextPage: boolean }>;
  /** The viewer's entries for these conversations (missing ones left out). One shard. */
  entries(userId: string, conversationIds: readonly string[]): Promise<InboxEntry[]>;
  /**
   * Moves the read position to `seq` if it is behind it, with the events for that change in one transaction on the
   * member's shard; the entry as it stands afterwards. An older position changes nothing and announces nothing.
   */
  markRead(input: { userId: string; conversationId: string; seq: number; at: Date }, events: OutboxEvents): Promise<InboxEntry>;
}
