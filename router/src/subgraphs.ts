/**
 * Where each Plaza subgraph listens by default. The one place these URLs live: schema composition writes them
 * into router/supergraph.graphql, and SUBGRAPH_URL_<NAME> overrides them at run time.
 */
export const DEFAULT_SUBGRAPH_URLS: Readonly<Record<string, string>> = Object.freeze({
  users: "http://localhost:4001/graphql",
  posts: "http://localhost:4002/graphql",
  chat: "http://localhost:4003/graphql",
  counters: "http://localhost:4004/graphql",
  payments: "http://localhost:4005/graphql",
});

/** `users` → `USERS`, `user-profiles` → `USER_PROFILES`: the spelling used in SUBGRAPH_URL_<NAME>. */
export function subgraphEnvName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}
