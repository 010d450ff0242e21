import { badUserInput } from "@plaza/kit";
import { decodeOptionalCursor, encodeCursor, PaginationInputError } from "@plaza/sharding";

export function pageSize(value: number | null | undefined, max: number, name: "first" | "last", fallback: number): number {
  const size = value ?? fallback;
  if (!Number.isInteger(size) || size < 0 || size > max) throw badUserInput(name, `${name} must be between 0 and ${max}`);
  return size;
}

function decode<T>(name: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof PaginationInputError) throw badUserInput(name, "Cursor is invalid");
    throw err;
  }
}

/** `conversations` cursors: (last activity, conversation id). */
export const encodeInboxCursor = (entry: { lastActivityAt: Date; conversationId: string }) =>
  encodeCursor(entry.lastActivityAt, entry.conversationId);

export function decodeInboxCursor(after: string | null | undefined): { at: Date; conversationId: string } | null {
  const position = decode("after", () => decodeOptionalCursor(after, "date"));
  return position && { at: position.key as Date, conversationId: position.id };
}

/** `messages` cursors: (sequence, message id). */
export const encodeMessageCursor = (message: { seq: number; id: string }) => encodeCursor(message.seq, message.id);

export function decodeMessageCursor(before: string | null | undefined): number | null {
  const position = decode("before", () => decodeOptionalCursor(before, "number"));
  if (position && (!Number.isInteger(position.key) || (position.key as number) < 1))
    throw badUserInput("before", "Cursor is invalid");
  return position && (position.key as number);
}
