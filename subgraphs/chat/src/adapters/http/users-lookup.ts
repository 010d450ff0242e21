import { INTERNAL_AUTH_HEADER, signInternalIdentity } from "@plaza/kit";
import type { UserDirectory } from "../../application/ports/user-directory.port.ts";

const QUERY = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { id } } }`;

type EntitiesResponse = {
  data?: { _entities?: Array<{ id: string } | null> } | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
};

/**
 * Asks the users subgraph which of some ids name existing users, as the router resolves `User` references:
 * `_entities` on its `/graphql`, signed with the internal identity header (no viewer), all ids in one call. Only
 * `startConversation` asks (the chat subgraph keeps no copy of the users); users are never deleted, so ids found
 * once are remembered (bounded).
 */
export function createUsersLookup(options: {
  url: string;
  internalAuthKey: string;
  timeoutMs?: number;
  maxRemembered?: number;
}): UserDirectory {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const maxRemembered = options.maxRemembered ?? 100_000;
  const known = new Set<string>();

  async function ask(ids: string[]): Promise<Set<string>> {
    const body = JSON.stringify({ query: QUERY, variables: { representations: ids.map((id) => ({ __typename: "User", id })) } });
    const response = await fetch(options.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        [INTERNAL_AUTH_HEADER]: signInternalIdentity(options.internalAuthKey, { viewerId: null }, { subgraph: "users", body }),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw new Error(`users subgraph answered ${response.status} to a user lookup`);
    const result = (await response.json()) as EntitiesResponse;
    const entities = result.data?._entities;
    if (!entities || (result.errors ?? []).some((e) => e.extensions?.code !== "BAD_USER_INPUT")) {
      throw new Error(`users subgraph could not look up users: ${result.errors?.[0]?.message ?? "no answer"}`);
    }
    return new Set(entities.flatMap((entity, i) => (entity && entity.id === ids[i] ? [entity.id] : [])));
  }

  return {
    async existing(ids) {
      const unknown = [...new Set(ids)].filter((id) => !known.has(id));
      const found = unknown.length > 0 ? await ask(unknown) : new Set<string>();
      for (const id of found) {
        if (known.size >= maxRemembered) known.delete(known.values().next().value!);
        known.add(id);
      }
      return new Set(ids.filter((id) => known.has(id) || found.has(id)));
    },
  };
}
