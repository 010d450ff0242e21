import { badUserInput } from "@plaza/kit";
import { decodeOptionalCursor, encodeCursor, PaginationInputError } from "@plaza/sharding";
import type { FeedPosition } from "../../domain/feed-position.ts";

export function pageSize(first: number | null | undefined, max: number): number {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 0 || size > max) throw badUserInput("first", `first must be between 0 and ${max}`);
  return size;
}

function decode<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof PaginationInputError) throw badUserInput("after", "Cursor is invalid");
    throw err;
  }
}

/** Feed cursors: (score, post id), tagged as numbers, so a User.posts cursor is refused here and vice versa. */
export const encodeFeedCursor = (position: FeedPosition) => encodeCursor(position.score, position.postId);

export function decodeFeedCursor(after: string | null | undefined): FeedPosition | null {
  const position = decode(() => decodeOptionalCursor(after, "number"));
  return position && { score: position.key as number, postId: position.id };
}

/** User.posts cursors: (createdAt, post id). */
export const encodeAuthorCursor = (post: { createdAt: Date; id: string }) => encodeCursor(post.createdAt, post.id);

export function decodeAuthorCursor(after: string | null | undefined): { createdAt: Date; id: string } | null {
  const position = decode(() => decodeOptionalCursor(after, "date"));
  return position && { createdAt: position.key as Date, id: position.id };
}
