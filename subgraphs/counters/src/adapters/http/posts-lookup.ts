import { INTERNAL_AUTH_HEADER, signInternalIdentity } from "@plaza/kit";
import type { FoundPost, PostsLookup } from "../../application/ports/post-directory.port.ts";

const QUERY = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Post { id createdAt author { id } } } }`;

type EntitiesResponse = {
  data?: { _entities?: Array<{ id: string; createdAt: string; author: { id: string } } | null> } | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
};

/** Answers that mean "no such post" rather than "could not tell". */
const ABSENT_CODES = new Set(["NOT_FOUND", "BAD_USER_INPUT"]);

/**
 * Asks the posts subgraph whether a post exists, as the router would resolve a `Post` reference: `_entities` on its
 * `/graphql`, signed with the internal identity header (no viewer). Only a projection miss comes here.
 */
export function createPostsLookup(options: { url: string; internalAuthKey: string; timeoutMs?: number }): PostsLookup {
  const timeoutMs = options.timeoutMs ?? 2_000;
  /** The one place that signs this call (the signing scheme may bind the header to the target and body). */
  const signedHeaders = (body: string): Record<string, string> => ({
    [INTERNAL_AUTH_HEADER]: signInternalIdentity(options.internalAuthKey, { viewerId: null }, { subgraph: "posts", body }),
  });
  return {
    async find(postId): Promise<FoundPost | null> {
      const body = JSON.stringify({ query: QUERY, variables: { representations: [{ __typename: "Post", id: postId }] } });
      const response = await fetch(options.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", ...signedHeaders(body) },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) throw new Error(`posts subgraph answered ${response.status} to a post lookup`);
      const result = (await response.json()) as EntitiesResponse;
      const post = result.data?._entities?.[0];
      if (post && post.id === postId) return { postId, authorId: post.author.id, createdAt: new Date(post.createdAt) };
      const codes = (result.errors ?? []).map((e) => e.extensions?.code ?? "");
      if (codes.every((code) => ABSENT_CODES.has(code))) return null;
      throw new Error(`posts subgraph could not look up a post: ${result.errors?.[0]?.message ?? "no answer"}`);
    },
  };
}
