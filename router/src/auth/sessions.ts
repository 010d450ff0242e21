import { randomUUID } from "node:crypto";
import type { Logger } from "@plaza/kit";
import type { Viewer } from "../context.ts";
import type { SubgraphClient } from "../engine/federation-engine.ts";
import { subgraphEnvName } from "../subgraphs.ts";

/** Is this token's session still live? false: revoked, or its user does not exist. Throws when nobody can answer. */
export interface SessionChecker {
  check(viewer: Viewer): Promise<boolean>;
}

/** A revocation the router learned from an event: forget matching verdicts, close matching connections. */
export type Revocation =
  | { kind: "session"; userId: string; sessionId: string }
  /** Every token of the user issued under a version below `tokenVersion`. */
  | { kind: "tokens"; userId: string; tokenVersion: number };

export function revocationMatches(revocation: Revocation, viewer: Viewer): boolean {
  if (viewer.id !== revocation.userId) return false;
  return revocation.kind === "session" ? viewer.sid === revocation.sessionId : (viewer.ver ?? 0) < revocation.tokenVersion;
}

/**
 * The field a session subgraph must serve (hidden from the supergraph with @inaccessible): the viewer is the one the
 * router signs into the internal identity header, so only the router can ask, and only about the token it holds.
 */
export const SESSION_CHECK_QUERY =
  "query PlazaSessionCheck($sessionId: String, $tokenVersion: Int!) { _sessionActive(sessionId: $sessionId, tokenVersion: $tokenVersion) }";

export function createSubgraphSessionChecker(opts: { subgraph: SubgraphClient; logger: Logger }): SessionChecker {
  return {
    async check(viewer) {
      const requestId = `session-check.${randomUUID()}`;
      const response = await opts.subgraph.fetch(
        { query: SESSION_CHECK_QUERY, variables: { sessionId: viewer.sid ?? null, tokenVersion: viewer.ver ?? 0 } },
        { viewer, requestId, logger: opts.logger },
      );
      const active = (response.data as { _sessionActive?: unknown } | null | undefined)?._sessionActive;
      if (typeof active !== "boolean") {
        throw new Error(`Session check on "${opts.subgraph.name}" failed: ${response.errors?.[0]?.message ?? "no answer"}`);
      }
      return active;
    },
  };
}

/** Session checks at the subgraph named by ROUTER_SESSION_SUBGRAPH; throws when the supergraph has no such subgraph. */
export function createSessionChecks(
  settings: { subgraph: string; checkTtlMs: number },
  subgraphs: ReadonlyMap<string, SubgraphClient>,
  logger: Logger,
): { checker: SessionChecker; checkTtlMs: number } {
  const wanted = subgraphEnvName(settings.subgraph);
  const subgraph = [...subgraphs.values()].find((client) => subgraphEnvName(client.name) === wanted);
  if (!subgraph) throw new Error(`Session subgraph "${settings.subgraph}" is not in the supergraph (ROUTER_SESSION_SUBGRAPH)`);
  return {
    checker: createSubgraphSessionChecker({ subgraph, logger: logger.child({ component: "sessions" }) }),
    checkTtlMs: settings.checkTtlMs,
  };
}
