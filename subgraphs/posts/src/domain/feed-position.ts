/**
 * A place in a home timeline: newest first by score (the post's creation time in ms), ties broken by post id
 * (descending). Positions are total and immutable, so a cursor stays valid while new posts arrive above it.
 */
export interface FeedPosition {
  score: number;
  postId: string;
}

/** Negative when `a` comes first in a newest-first timeline. */
export function compareFeedPositions(a: FeedPosition, b: FeedPosition): number {
  if (a.score !== b.score) return b.score - a.score;
  return a.postId < b.postId ? 1 : a.postId > b.postId ? -1 : 0;
}

/** True when `entry` lies strictly after `position` (further down the timeline). */
export function isAfter(entry: FeedPosition, position: FeedPosition | null): boolean {
  return position === null || compareFeedPositions(entry, position) > 0;
}

/** Newest-first union of several newest-first lists, each post once. */
export function mergeFeedPositions<T extends FeedPosition>(lists: ReadonlyArray<readonly T[]>, limit: number): T[] {
  const seen = new Set<string>();
  const merged: T[] = [];
  for (const entry of lists.flat().sort(compareFeedPositions)) {
    if (seen.has(entry.postId)) continue;
    seen.add(entry.postId);
    merged.push(entry);
    if (merged.length === limit) break;
  }
  return merged;
}
