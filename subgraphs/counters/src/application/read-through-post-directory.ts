import type { Logger } from "pino";
import type { PostDirectory, PostProjection, PostsLookup } from "./ports/post-directory.port.ts";

export type PostLookupResult = "found" | "not_found" | "not_found_cached" | "malformed" | "error";

export interface ReadThroughOptions {
  projection: PostProjection;
  lookup: PostsLookup;
  logger: Logger;
  /** Ids that cannot be post ids are refused without asking (posts mints every id in one format). */
  isPostId: (postId: string) => boolean;
  /** How long "no such post" is remembered (a post id is minted by createPost, so it cannot appear later). */
  negativeTtlMs?: number;
  /** Most "no such post" answers remembered (oldest dropped first). */
  maxNegative?: number;
  /** Every projection miss, by how it was resolved. */
  onMiss?: (result: PostLookupResult) => void;
}

/**
 * Read-your-writes for likes: the projection answers (a local read) whenever it knows the post; only a post it does
 * not know yet — created a moment ago, its PostCreated still between the posts outbox and this consumer — is looked up
 * in the posts subgraph, once per post (concurrent misses share one call), and recorded into the projection, so
 * every later like reads locally. "Not found" answers are remembered briefly, bounded, so a flood of likes on an
 * id that does not exist costs one call per id and TTL. A deleted post is known to the projection: never asked.
 */
export function createReadThroughPostDirectory(options: ReadThroughOptions): PostDirectory {
  const { projection, lookup, logger } = options;
  const negativeTtlMs = options.negativeTtlMs ?? 10_000;
  const maxNegative = options.maxNegative ?? 10_000;
  const negative = new Map<string, number>();
  const inFlight = new Map<string, Promise<boolean>>();

  function rememberMissing(postId: string): void {
    negative.delete(postId);
    negative.set(postId, Date.now() + negativeTtlMs);
    if (negative.size > maxNegative) negative.delete(negative.keys().next().value!);
  }

  function knownMissing(postId: string): boolean {
    const until = negative.get(postId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    negative.delete(postId);
    return false;
  }

  async function ask(postId: string): Promise<boolean> {
    let found;
    try {
      found = await lookup.find(postId);
    } catch (err) {
      options.onMiss?.("error");
      throw err;
    }
    if (!found) {
      rememberMissing(postId);
      options.onMiss?.("not_found");
      return false;
    }
    options.onMiss?.("found");
    // Its PostCreated will say the same (the upsert keeps a PostDeleted that got here first).
    await projection
      .recordCreated(found)
      .catch((err: unknown) => logger.warn({ err, postId }, "could not record a looked-up post in the projection"));
    return true;
  }

  return {
    recordCreated: (post) => projection.recordCreated(post),
    recordDeleted: (post) => projection.recordDeleted(post),
    async isLive(postId) {
      const status = await projection.status(postId);
      if (status !== "unknown") return status === "live";
      if (!options.isPostId(postId)) {
        options.onMiss?.("malformed");
        return false;
      }
      if (knownMissing(postId)) {
        options.onMiss?.("not_found_cached");
        return false;
      }
      let pending = inFlight.get(postId);
      if (!pending) {
        pending = ask(postId).finally(() => inFlight.delete(postId));
        inFlight.set(postId, pending);
      }
      return pending;
    },
  };
}
