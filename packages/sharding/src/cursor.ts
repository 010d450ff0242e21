/**
 * Opaque keyset cursors and Relay connection helpers.
 *
 * A cursor is base64url(JSON [kind, sortKey, id]). Lists are ordered by (sortKey, id): the id
 * breaks ties between rows with the same sort key, so every row has exactly one position and pages
 * never skip or repeat rows. Clients must treat cursors as opaque.
 */

export type SortValue = Date | number | string | bigint;
export type SortKind = "date" | "number" | "string" | "bigint";
export type Direction = "asc" | "desc";

export interface CursorPosition<K extends SortValue = SortValue> {
  readonly key: K;
  readonly id: string;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/** Bad pagination input from a client; `code` is the GraphQL error code to answer with. */
export class PaginationInputError extends Error {
  readonly code = "BAD_USER_INPUT";
  constructor(message: string) {
    super(message);
    this.name = "PaginationInputError";
  }
}

/** A cursor that does not decode (tampered, truncated, or from a list with another sort key). */
export class InvalidCursorError extends PaginationInputError {
  constructor(reason: string) {
    super(`invalid cursor: ${reason}`);
    this.name = "InvalidCursorError";
  }
}

/** A page size outside the allowed range. */
export class InvalidPageSizeError extends PaginationInputError {
  constructor(message: string) {
    super(message);
    this.name = "InvalidPageSizeError";
  }
}

const MAX_CURSOR_LENGTH = 1024;
const TAGS = { date: "d", number: "n", string: "s", bigint: "b" } as const satisfies Record<SortKind, string>;

export function sortKindOf(key: SortValue): SortKind {
  if (key instanceof Date) return "date";
  return typeof key as "number" | "string" | "bigint";
}

export function encodeCursor(key: SortValue, id: string): string {
  const kind = sortKindOf(key);
  const value = key instanceof Date ? key.getTime() : typeof key === "bigint" ? key.toString() : key;
  if (typeof value === "number" && !Number.isFinite(value)) throw new RangeError(`cannot encode cursor key ${String(key)}`);
  return Buffer.from(JSON.stringify([TAGS[kind], value, id]), "utf8").toString("base64url");
}

/**
 * Decodes a cursor made by encodeCursor. With `kind`, also checks the sort key's type, so a cursor
 * from a list sorted by something else is refused. Throws InvalidCursorError, never anything else.
 */
export function decodeCursor(cursor: unknown, kind: "date"): CursorPosition<Date>;
export function decodeCursor(cursor: unknown, kind: "number"): CursorPosition<number>;
export function decodeCursor(cursor: unknown, kind: "string"): CursorPosition<string>;
export function decodeCursor(cursor: unknown, kind: "bigint"): CursorPosition<bigint>;
export function decodeCursor(cursor: unknown, kind?: SortKind): CursorPosition;
export function decodeCursor(cursor: unknown, kind?: SortKind): CursorPosition {
  if (typeof cursor !== "string" || cursor === "") throw new InvalidCursorError("empty");
  if (cursor.length > MAX_CURSOR_LENGTH) throw new InvalidCursorError("too long");
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError("not base64url");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError("malformed");
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw new InvalidCursorError("malformed");
  const [tag, value, id] = parsed as [unknown, unknown, unknown];
  if (typeof id !== "string" || id === "") throw new InvalidCursorError("malformed");
  const key = decodeKey(tag, value);
  if (key === null) throw new InvalidCursorError("malformed");
  if (kind !== undefined && sortKindOf(key) !== kind) throw new InvalidCursorError("it belongs to a differently sorted list");
  return { key, id };
}

function decodeKey(tag: unknown, value: unknown): SortValue | null {
  switch (tag) {
    case TAGS.date: {
      if (typeof value !== "number" || !Number.isInteger(value)) return null;
      const date = new Date(value);
      return Number.isNaN(date.getTime()) ? null : date;
    }
    case TAGS.number:
      return typeof value === "number" && Number.isFinite(value) ? value : null;
    case TAGS.string:
      return typeof value === "string" ? value : null;
    case TAGS.bigint:
      return typeof value === "string" && /^-?\d{1,40}$/.test(value) ? BigInt(value) : null;
    default:
      return null;
  }
}

/** Decodes an optional `after`/`before` argument: null/undefined → null. */
export function decodeOptionalCursor(cursor: string | null | undefined, kind?: SortKind): CursorPosition | null {
  return cursor === null || cursor === undefined ? null : decodeCursor(cursor, kind);
}

/** Checks `first`/`last`: undefined/null → `fallback`; otherwise an integer in 0..max. */
export function pageSize(
  value: number | null | undefined,
  options: { fallback?: number; max?: number; name?: string } = {},
): number {
  const { fallback = 20, max = 100, name = "first" } = options;
  if (value === null || value === undefined) return Math.min(fallback, max);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidPageSizeError(`${name} must be a whole number between 0 and ${max}`);
  }
  return value;
}

/** Orders two sort keys of the same kind (strings by UTF-16 code unit, i.e. like Postgres's "C" collation). */
export function compareSortValues(a: SortValue, b: SortValue): number {
  const left = a instanceof Date ? a.getTime() : a;
  const right = b instanceof Date ? b.getTime() : b;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Orders two (key, id) positions in `direction`. */
export function comparePositions(a: CursorPosition, b: CursorPosition, direction: Direction): number {
  const byKey = compareSortValues(a.key, b.key) || compareSortValues(a.id, b.id);
  return direction === "asc" ? byKey : -byKey;
}

export interface RowPosition<T, K extends SortValue> {
  sortKey: (row: T) => K;
  id: (row: T) => string;
}

/**
 * A connection from rows fetched in list order with `take: first + 1` after the cursor (the extra
 * row only tells whether there is a next page).
 */
export function connectionFromRows<T, K extends SortValue>(
  rows: readonly T[],
  options: RowPosition<T, K> & { first: number; hasPreviousPage?: boolean },
): Connection<T> {
  const page = rows.slice(0, options.first);
  return buildConnection(page, options, {
    hasNextPage: rows.length > options.first,
    hasPreviousPage: options.hasPreviousPage ?? false,
  });
}

/**
 * A connection for `last`/`before` (chat history): `rows` were fetched newest-first before the
 * cursor with `take: last + 1`; the edges come out oldest-first, and hasPreviousPage says whether
 * older rows exist (pass startCursor as the next `before`).
 */
export function connectionFromRowsBackward<T, K extends SortValue>(
  rows: readonly T[],
  options: RowPosition<T, K> & { last: number; hasNextPage?: boolean },
): Connection<T> {
  const page = rows.slice(0, options.last).reverse();
  return buildConnection(page, options, {
    hasNextPage: options.hasNextPage ?? false,
    hasPreviousPage: rows.length > options.last,
  });
}

function buildConnection<T, K extends SortValue>(
  page: readonly T[],
  position: RowPosition<T, K>,
  flags: { hasNextPage: boolean; hasPreviousPage: boolean },
): Connection<T> {
  const edges = page.map((node) => ({ cursor: encodeCursor(position.sortKey(node), position.id(node)), node }));
  return {
    edges,
    pageInfo: {
      ...flags,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/**
 * A Prisma `where` fragment selecting rows strictly after `after` in (sortField, idField) order:
 * combine it with the query's own filter through `AND`. Null when there is no cursor.
 */
export function keysetWhere<K extends SortValue>(
  sortField: string,
  after: CursorPosition<K> | null,
  direction: Direction,
  idField = "id",
): Record<string, unknown> | null {
  if (after === null) return null;
  const beyond = direction === "asc" ? "gt" : "lt";
  if (sortField === idField) return { [idField]: { [beyond]: after.id } };
  return {
    OR: [{ [sortField]: { [beyond]: after.key } }, { [sortField]: after.key, [idField]: { [beyond]: after.id } }],
  };
}

/** The Prisma `orderBy` matching keysetWhere. */
export function keysetOrderBy(sortField: string, direction: Direction, idField = "id"): Array<Record<string, Direction>> {
  return sortField === idField ? [{ [idField]: direction }] : [{ [sortField]: direction }, { [idField]: direction }];
}
