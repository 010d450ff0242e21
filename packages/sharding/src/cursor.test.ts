import { describe, expect, it } from "vitest";
import {
  InvalidCursorError,
  InvalidPageSizeError,
  connectionFromRows,
  connectionFromRowsBackward,
  decodeCursor,
  decodeOptionalCursor,
  encodeCursor,
  keysetOrderBy,
  keysetWhere,
  pageSize,
} from "./cursor.ts";

describe("cursors", () => {
  it("round-trip every sort key type", () => {
    const date = new Date("2025-01-02T03:04:05.678Z");
    expect(decodeCursor(encodeCursor(date, "id1"), "date")).toEqual({ key: date, id: "id1" });
    expect(decodeCursor(encodeCursor(42.5, "id2"))).toEqual({ key: 42.5, id: "id2" });
    expect(decodeCursor(encodeCursor("héllo", "id3"), "string")).toEqual({ key: "héllo", id: "id3" });
    expect(decodeCursor(encodeCursor(2n ** 70n, "id4"), "bigint")).toEqual({ key: 2n ** 70n, id: "id4" });
  });

  it("are URL-safe and opaque", () => {
    expect(encodeCursor(new Date(0), "01ABC")).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("throw InvalidCursorError (BAD_USER_INPUT) for anything that does not decode", () => {
    const valid = encodeCursor(new Date(0), "x");
    const bad: unknown[] = [
      "",
      "!!!",
      "a b",
      "x".repeat(2000),
      Buffer.from("not json").toString("base64url"),
      Buffer.from("{}").toString("base64url"),
      Buffer.from('["d",1]').toString("base64url"),
      Buffer.from('["d","soon","x"]').toString("base64url"),
      Buffer.from('["d",1e20,"x"]').toString("base64url"),
      Buffer.from('["n",1,""]').toString("base64url"),
      Buffer.from('["q",1,"x"]').toString("base64url"),
      Buffer.from('["b","12abc","x"]').toString("base64url"),
      valid.slice(0, -3),
      null,
      123,
    ];
    for (const cursor of bad) {
      expect(() => decodeCursor(cursor), String(cursor)).toThrow(InvalidCursorError);
    }
    try {
      decodeCursor("!!!");
    } catch (error) {
      expect((error as InvalidCursorError).code).toBe("BAD_USER_INPUT");
    }
  });

  it("refuse a cursor from a list sorted by another key type", () => {
    expect(() => decodeCursor(encodeCursor("abc", "x"), "date")).toThrow(/differently sorted/);
  });

  it("treat null/undefined as no cursor", () => {
    expect(decodeOptionalCursor(null)).toBeNull();
    expect(decodeOptionalCursor(undefined)).toBeNull();
    expect(() => decodeOptionalCursor("")).toThrow(InvalidCursorError);
  });
});

describe("pageSize", () => {
  it("defaults, accepts 0..max and refuses the rest", () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(null, { fallback: 5 })).toBe(5);
    expect(pageSize(0)).toBe(0);
    expect(pageSize(100)).toBe(100);
    expect(() => pageSize(101)).toThrow(InvalidPageSizeError);
    expect(() => pageSize(-1)).toThrow(InvalidPageSizeError);
    expect(() => pageSize(2.5, { name: "last" })).toThrow(/last must be a whole number/);
  });
});

describe("single-shard connections", () => {
  const rows = [5, 4, 3].map((n) => ({ id: `id${n}`, at: new Date(n * 1000) }));
  const position = { sortKey: (row: (typeof rows)[number]) => row.at, id: (row: (typeof rows)[number]) => row.id };

  it("use the extra row only to set hasNextPage", () => {
    const connection = connectionFromRows(rows, { ...position, first: 2 });
    expect(connection.edges.map((edge) => edge.node.id)).toEqual(["id5", "id4"]);
    expect(connection.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(decodeCursor(connection.pageInfo.endCursor, "date")).toEqual({ key: new Date(4000), id: "id4" });
    expect(connectionFromRows(rows, { ...position, first: 3 }).pageInfo.hasNextPage).toBe(false);
    expect(connectionFromRows([], { ...position, first: 3 }).pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });

  it("serve last/before oldest-first", () => {
    const connection = connectionFromRowsBackward(rows, { ...position, last: 2 });
    expect(connection.edges.map((edge) => edge.node.id)).toEqual(["id4", "id5"]);
    expect(connection.pageInfo.hasPreviousPage).toBe(true);
    expect(decodeCursor(connection.pageInfo.startCursor).id).toBe("id4");
  });

  it("build Prisma keyset filters and orderings", () => {
    const after = { key: new Date(1000), id: "b" };
    expect(keysetWhere("createdAt", null, "desc")).toBeNull();
    expect(keysetWhere("createdAt", after, "desc")).toEqual({
      OR: [{ createdAt: { lt: after.key } }, { createdAt: after.key, id: { lt: "b" } }],
    });
    expect(keysetWhere("id", { key: "b", id: "b" }, "asc")).toEqual({ id: { gt: "b" } });
    expect(keysetOrderBy("createdAt", "desc")).toEqual([{ createdAt: "desc" }, { id: "desc" }]);
    expect(keysetOrderBy("id", "asc")).toEqual([{ id: "asc" }]);
  });
});
