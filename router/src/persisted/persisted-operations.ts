import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Redis } from "ioredis";
import { createBoundedCache, textBytes } from "@plaza/kit";

/** Where automatically persisted queries (APQ) are kept between the registering request and later ones. */
export interface PersistedQueryStore {
  get(hash: string): Promise<string | undefined>;
  set(hash: string, query: string): Promise<void>;
}

export const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** In process, bounded by count and bytes (the embedded default, and routers without Redis). */
export function createMemoryPersistedQueryStore(opts: { maxEntries: number; maxBytes: number }): PersistedQueryStore {
  const cache = createBoundedCache<string, string>({ ...opts, sizeOf: (hash, query) => textBytes(hash) + textBytes(query) });
  return {
    get: async (hash) => cache.get(hash),
    set: async (hash, query) => cache.set(hash, query),
  };
}

/** Shared by every router instance; entries expire, so the store cannot grow without bound either. */
export function createRedisPersistedQueryStore(opts: {
  redis: Redis;
  keyPrefix: string;
  ttlSeconds: number;
}): PersistedQueryStore {
  const key = (hash: string) => `${opts.keyPrefix}apq:${hash}`;
  return {
    async get(hash) {
      return (await opts.redis.get(key(hash))) ?? undefined;
    },
    async set(hash, query) {
      await opts.redis.set(key(hash), query, "EX", opts.ttlSeconds);
    },
  };
}

/**
 * Trusted documents: the operations a deployment's own clients were built with, by SHA-256 of their text. Read
 * from Apollo's persisted query manifest (`{ "format": "apollo-persisted-query-manifest", "operations": [{ "id",
 * "body" }] }`) or a plain `{ "<sha256>": "<document>" }` map (GraphQL Code Generator, Relay). Every id must be the
 * SHA-256 of its body, so a manifest cannot map a trusted id to another text.
 */
export function loadTrustedDocuments(path: string): Map<string, string> {
  const raw = JSON.parse(readFileSync(path, "utf8")) as unknown;
  const entries: Array<[string, unknown]> =
    raw && typeof raw === "object" && Array.isArray((raw as { operations?: unknown }).operations)
      ? (raw as { operations: Array<{ id?: unknown; body?: unknown }> }).operations.map((op) => [String(op.id), op.body])
      : Object.entries((raw ?? {}) as Record<string, unknown>);
  const documents = new Map<string, string>();
  for (const [id, body] of entries) {
    if (typeof body !== "string") throw new Error(`trusted documents ${path}: ${id} has no document text`);
    if (sha256Hex(body) !== id.toLowerCase())
      throw new Error(`trusted documents ${path}: ${id} is not the SHA-256 of its document`);
    documents.set(id.toLowerCase(), body);
  }
  return documents;
}
