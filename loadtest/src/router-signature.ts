import { createInternalSigner, INTERNAL_AUTH_HEADER, type InternalIdentity } from "@plaza/kit";

/**
 * Headers that make a request straight to a subgraph look like the router's: signed for that subgraph and exactly
 * that body, valid for the subgraph's INTERNAL_AUTH_MAX_AGE_SECONDS (30 s by default) — so sign per body, per run.
 */
export function routerSignature(key: string, subgraph: string, identity: InternalIdentity = { viewerId: null }) {
  const sign = createInternalSigner(key);
  return (body: string): Record<string, string> => ({ [INTERNAL_AUTH_HEADER]: sign(identity, { subgraph, body }) });
}
