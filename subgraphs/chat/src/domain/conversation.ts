import { badUserInput } from "@plaza/kit/domain-errors";

export interface Conversation {
  id: string;
  /** Every member, the starter included, in the order they were given. */
  memberIds: string[];
  /** Sequence of the newest message (0: none yet). */
  lastSeq: number;
  createdBy: string;
  createdAt: Date;
  /** True for a two-person conversation (unique per pair). */
  direct: boolean;
}

export const DEFAULT_GROUP_MAX_MEMBERS = 50;

/** The pair key of a direct conversation: both ids, sorted, so (a, b) and (b, a) are one conversation. */
export const directKey = (a: string, b: string): string => (a < b ? `${a}:${b}` : `${b}:${a}`);

/**
 * The members of a conversation `starterId` starts with `requested`: the starter first, then the others in the order
 * given. The starter may be listed (once); nobody else twice; at least one other member; at most `maxMembers` in all.
 */
export function conversationMembers(starterId: string, requested: readonly string[], maxMembers: number): string[] {
  const others = requested.filter((id) => id !== starterId);
  if (requested.length - others.length > 1) throw badUserInput("memberIds", "memberIds lists you more than once");
  if (new Set(others).size !== others.length) throw badUserInput("memberIds", "memberIds has duplicates");
  if (others.length === 0) throw badUserInput("memberIds", "A conversation needs at least one other member");
  if (others.length + 1 > maxMembers) throw badUserInput("memberIds", `A conversation has at most ${maxMembers} members`);
  return [starterId, ...others];
}

export const isMember = (conversation: Pick<Conversation, "memberIds">, userId: string | null): boolean =>
  userId !== null && conversation.memberIds.includes(userId);
