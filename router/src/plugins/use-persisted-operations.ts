import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { sha256Hex, type PersistedQueryStore } from "../persisted/persisted-operations.ts";

export interface PersistedOperationsOptions {
  /** Automatic persisted queries (Apollo's APQ protocol); absent: hash-only requests need a trusted document. */
  apq?: PersistedQueryStore;
  /** Trusted documents by SHA-256 (lower-case hex). */
  trusted?: ReadonlyMap<string, string>;
  /** Refuse every document that is not trusted, by hash or by its exact text; APQ registration is off. */
  trustedOnly: boolean;
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

function requestError(message: string, code: string, status = 400): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status, spec: true } } });
}

/**
 * Persisted operations on the GraphQL-over-HTTP path: `extensions.persistedQuery.sha256Hash` resolves to a trusted
 * document or a previously registered APQ text (`PERSISTED_QUERY_NOT_FOUND` otherwise, which APQ clients answer by
 * sending the text once). In trusted-only mode the check is on the document text at parse time, so every lane and
 * transport (the fast lane, graphql-ws) refuses an untrusted document the same way.
 */
export function usePersistedOperations(options: PersistedOperationsOptions): Plugin {
  const trustedTexts = new Set(options.trusted?.values() ?? []);
  return {
    async onParams({ params, setParams }) {
      const persisted = (params.extensions as { persistedQuery?: unknown } | undefined)?.persistedQuery;
      if (persisted === undefined || persisted === null) return;
      const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
      if (version !== 1 || typeof sha256Hash !== "string" || !SHA256_HEX.test(sha256Hash)) {
        throw requestError("extensions.persistedQuery must be { version: 1, sha256Hash: <64 hex digits> }", "BAD_REQUEST");
      }
      const hash = sha256Hash.toLowerCase();
      if (typeof params.query === "string") {
        if (sha256Hex(params.query) !== hash) throw requestError("provided sha does not match query", "BAD_REQUEST");
        // Registration: only when the store is the client's to fill (never in trusted-only mode).
        if (options.apq && !options.trustedOnly && !options.trusted?.has(hash)) await options.apq.set(hash, params.query);
        return;
      }
      const query = options.trusted?.get(hash) ?? (options.apq && !options.trustedOnly ? await options.apq.get(hash) : undefined);
      // APQ clients look for this exact message and code, and then send the query text (HTTP 200 by the protocol).
      if (query === undefined) throw requestError("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND", 200);
      setParams({ ...params, query });
    },
    onParse({ params }) {
      if (!options.trustedOnly) return;
      const source = typeof params.source === "string" ? params.source : params.source.body;
      if (!trustedTexts.has(source)) {
        throw requestError("This operation is not a trusted document of this deployment", "PERSISTED_QUERY_NOT_IN_LIST");
      }
    },
  };
}
