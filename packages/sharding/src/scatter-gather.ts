/**
 * Cross-shard lists: ask every shard for its next `first + 1` rows after the cursor, in parallel,
 * and merge them by (sortKey, id). Any row of the true next page is among the first `first + 1`
 * rows of its own shard, so this returns exactly the rows a single database would, and the extra
 * row tells whether a next page exists.
 */
import {
  comparePositions,
  decodeOptionalCursor,
  encodeCursor,
  type Connection,
  type CursorPosition,
  type Direction,
  type SortKind,
  type SortValue,
} from "./cursor.ts";

export interface ShardPage<K extends SortValue> {
  /** How many rows to return at most (first + 1). */
  readonly limit: number;
  /** Return only rows strictly after this position (in `direction`); null for the first page. */
  readonly after: CursorPosition<K> | null;
  readonly direction: Direction;
}

export interface ScatterGatherOptions<S, T, K extends SortValue> {
  shards: readonly S[];
  /** Page size, already validated (see pageSize()). */
  first: number;
  /** The client's opaque cursor; a bad one throws InvalidCursorError before any shard is asked. */
  after?: string | null;
  /** Default "desc" (newest first). */
  direction?: Direction;
  /** The sort key's type, to refuse cursors from other lists (recommended; unchecked when omitted). */
  sortKind?: SortKind;
  sortKey: (row: T) => K;
  id: (row: T) => string;
  /** Rows of one shard ordered by (sortKey, id) in `direction`, after `page.after`, at most `page.limit`. */
  fetch: (shard: S, page: ShardPage<K>) => Promise<readonly T[]>;
}

export async function scatterGather<S, T, K extends SortValue>(options: ScatterGatherOptions<S, T, K>): Promise<Connection<T>> {
  const direction = options.direction ?? "desc";
  const after = decodeOptionalCursor(options.after, options.sortKind) as CursorPosition<K> | null;
  const page: ShardPage<K> = { limit: options.first + 1, after, direction };
  const perShard = await Promise.all(options.shards.map((shard) => options.fetch(shard, page)));
  return mergePages(perShard, { ...options, direction, after });
}

/** The merge step on its own, for callers that fetch per shard themselves. */
export function mergePages<T, K extends SortValue>(
  perShard: ReadonlyArray<readonly T[]>,
  options: {
    first: number;
    direction: Direction;
    after: CursorPosition<K> | null;
    sortKey: (row: T) => K;
    id: (row: T) => string;
  },
): Connection<T> {
  const { first, direction, after } = options;
  const positioned = perShard.flatMap((rows) =>
    rows.slice(0, first + 1).map((node) => ({ node, position: { key: options.sortKey(node), id: options.id(node) } })),
  );
  // A shard that ignored the cursor must not repeat rows of an earlier page.
  const candidates = after ? positioned.filter(({ position }) => comparePositions(position, after, direction) > 0) : positioned;
  candidates.sort((a, b) => comparePositions(a.position, b.position, direction));
  const page = candidates.slice(0, first);
  const edges = page.map(({ node, position }) => ({ cursor: encodeCursor(position.key, position.id), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: candidates.length > first,
      hasPreviousPage: after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
