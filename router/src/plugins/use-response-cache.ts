import { getDocumentString } from "@envelop/core";
import { useResponseCache as useEnvelopResponseCache, type Cache, type CacheEntityRecord } from "@envelop/response-cache";
import { getArgumentValues, Kind, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Logger } from "@plaza/kit";
import type { RouterContext, RouterServerContext } from "../context.ts";
import type { RouterMetrics } from "../metrics.ts";
import { responseCacheKey, scopeKey } from "../cache/cache-key.ts";
import { entityTag, type EntityRef, type ResponseCachePolicy } from "../cache/cache-policy.ts";
import { createDocumentAnalyzer, type DocumentAnalyzer } from "../cache/document-analysis.ts";
import type { KnownOperations } from "../cache/known-operations.ts";
import {
  CACHE_DEBUG_REQUEST_HEADER,
  CACHE_DEBUG_RESPONSE_HEADER,
  waitAtMost,
  type FlightRegistry,
  type RequestCacheState,
} from "../cache/request-state.ts";
import type { InvalidationSource, TwoLevelCache } from "../cache/two-level-cache.ts";
import type { VerifiedTokens } from "../auth/verified-tokens.ts";

export interface UseResponseCacheOptions {
  policy: ResponseCachePolicy;
  cache: TwoLevelCache;
  flights: FlightRegistry;
  knownOperations: KnownOperations;
  verifiedTokens: VerifiedTokens;
  /** Every invalidation goes through here (it also tells observers). */
  invalidate(tags: readonly string[], source: InvalidationSource): Promise<void>;
  /** How long identical requests wait for a leader before executing themselves. */
  flightWaitMs: number;
  /** Honour the cache debug request header. */
  debugHeader: boolean;
  metrics: Pick<RouterMetrics, "inflightDedupes">;
  logger: Logger;
}

type ExecutionContext = RouterContext & { request?: Request };

/**
 * The router's response cache, as three plugins for buildRouter's `plugins` slot (after the gateway executor, so
 * the rewritten documents @envelop/response-cache executes reach the gateway):
 * 1. analysis — decides per operation whether it is cacheable and whether its scope is public or per viewer;
 * 2. @envelop/response-cache — keys, entity collection, TTLs, invalidation by mutation results — over our
 *    two-level cache (L1 in process, L2 Redis) with one upstream execution per key at a time;
 * 3. completion — releases waiting requests, invalidates what the policy says a mutation changes, and sends the
 *    mutation's response only once Redis has forgotten the old data.
 */
export function useResponseCache(options: UseResponseCacheOptions): Plugin<RouterContext, RouterServerContext>[] {
  const { policy, cache, flights, metrics } = options;
  const states = new WeakMap<object, RequestCacheState>();
  const debugStates = new WeakMap<Request, RequestCacheState>();
  let analyzer: DocumentAnalyzer | undefined;
  let schema: GraphQLSchema | undefined;

  const tagsOf = (records: Iterable<CacheEntityRecord | EntityRef>): string[] => {
    const tags = new Set<string>();
    for (const record of records) {
      // Only entity types' "absent" markers are useful; the plugin also reports null scalars (`String`) and the like.
      if ((record.id === undefined || record.id === null) && !analyzer?.entityTypes.has(record.typename)) continue;
      tags.add(entityTag(record));
    }
    return [...tags];
  };

  const stateOf = (context: unknown): RequestCacheState | undefined => states.get(context as object);

  /** The Cache the envelop plugin talks to, bound to one execution. */
  function cacheFor(state: RequestCacheState): Cache {
    return {
      async get(key) {
        const l1 = cache.lookupL1(key);
        if (l1.body) {
          state.outcome = "hit-l1";
          return JSON.parse(l1.body.toString("utf8")) as ExecutionResult;
        }
        const inFlight = flights.current(key);
        if (inFlight) {
          metrics.inflightDedupes.inc({ kind: "response" });
          const shared = await waitAtMost(inFlight.done, options.flightWaitMs);
          if (shared && !cache.l1.wasInvalidatedSince(shared.tags, inFlight.startSeq)) {
            state.outcome = "hit-inflight";
            return shared.result;
          }
          // The leader's result was not cacheable, or is older than an invalidation: run our own (L1 only).
          state.outcome = "miss";
          state.mark = cache.newMark();
          return null;
        }
        const flight = flights.begin(key, l1.mark.seq);
        state.flight = flight;
        const l2 = await cache.lookupL2(key, l1.mark);
        if (l2.body) {
          const result = JSON.parse(l2.body.toString("utf8")) as ExecutionResult;
          flight.finish({ result, tags: l2.tags ?? [] });
          state.outcome = "hit-l2";
          return result;
        }
        state.outcome = "miss";
        state.mark = l2.mark;
        return null;
      },
      set(key, result, entities, ttl) {
        const tags = tagsOf(entities);
        if (state.mark) cache.store(key, Buffer.from(JSON.stringify(result)), tags, ttl, state.mark);
        state.flight?.finish({ result, tags });
      },
      invalidate(entities) {
        state.invalidations.push(options.invalidate(tagsOf(entities), "mutation"));
      },
    };
  }

  const analysis: Plugin<RouterContext, RouterServerContext> = {
    onSchemaChange({ schema: next }) {
      if (next === schema) return;
      schema = next;
      analyzer = createDocumentAnalyzer(next, policy);
      options.knownOperations.clear();
    },
    onRequest({ request, serverContext }) {
      const authorization = request.headers.get("authorization");
      if (authorization && serverContext.viewer) options.verifiedTokens.remember(authorization, serverContext.viewer);
    },
    onExecute({ args }) {
      if (!analyzer) return;
      const context = args.contextValue as ExecutionContext;
      const operation = analyzer.analyze(args.document, args.operationName);
      const text = getDocumentString(args.document);
      if (text && operation.kind === "query") options.knownOperations.remember(text, args.operationName, operation);
      const state: RequestCacheState = {
        analysis: operation,
        viewerId: context.viewer?.id ?? null,
        outcome: "bypass",
        invalidations: [],
      };
      states.set(context, state);
      if (options.debugHeader && context.request?.headers.get(CACHE_DEBUG_REQUEST_HEADER) === "1")
        debugStates.set(context.request, state);
    },
    onResponse({ request, response }) {
      const state = debugStates.get(request);
      if (state) response.headers.set(CACHE_DEBUG_RESPONSE_HEADER, state.outcome);
    },
  };

  const responseCache = useEnvelopResponseCache<RouterContext>({
    cache: (context) => {
      const state = stateOf(context);
      if (!state) throw new Error("response cache: execution without analysis");
      return cacheFor(state);
    },
    session: (context) => context.viewer?.id ?? null,
    // Mutations always go through (their results invalidate); queries only when cacheable for this caller.
    enabled: (context) => {
      const state = stateOf(context);
      if (!state) return false;
      if (state.analysis.kind === "mutation") return true;
      return state.analysis.cacheable && (state.analysis.scope === "PUBLIC" || state.viewerId !== null);
    },
    ttl: policy.defaultTtlMs,
    ttlPerSchemaCoordinate: { ...policy.ttl },
    scopePerSchemaCoordinate: Object.fromEntries(policy.private.map((coordinate) => [coordinate, "PRIVATE" as const])),
    idFields: [...policy.idFields],
    invalidateViaMutation: true,
    buildResponseCacheKey: ({ documentString, variableValues, operationName, context }) => {
      const state = stateOf(context)!;
      return responseCacheKey(documentString, operationName, variableValues, scopeKey(state.analysis.scope, state.viewerId));
    },
    // Results with errors are never cached (the default does the same, but also writes to the console).
    shouldCacheResult: ({ result }) => !result.errors?.length,
    includeExtensionMetadata: false,
  }) as Plugin<RouterContext, RouterServerContext>;

  /** Extra invalidations the policy declares for the mutation's root fields, from their coerced arguments. */
  function policyInvalidations(args: ExecutionArgs, state: RequestCacheState): EntityRef[] {
    const mutationType = args.schema.getMutationType();
    if (!mutationType) return [];
    const refs: EntityRef[] = [];
    const operation = args.document.definitions.find(
      (d) =>
        d.kind === Kind.OPERATION_DEFINITION &&
        d.operation === "mutation" &&
        (!args.operationName || d.name?.value === args.operationName),
    );
    if (operation?.kind !== Kind.OPERATION_DEFINITION) return [];
    for (const selection of operation.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) continue;
      const rule = policy.mutations[`${mutationType.name}.${selection.name.value}`];
      const field = mutationType.getFields()[selection.name.value];
      if (!rule || !field) continue;
      try {
        const fieldArgs = getArgumentValues(field, selection, (args.variableValues ?? {}) as Record<string, unknown>);
        refs.push(...rule({ args: fieldArgs, viewerId: state.viewerId }));
      } catch {
        // Arguments that do not coerce fail execution anyway; nothing changed.
      }
    }
    return refs;
  }

  const completion: Plugin<RouterContext, RouterServerContext> = {
    onExecute({ args, executeFn, setExecuteFn }) {
      const state = stateOf(args.contextValue);
      if (!state) return;
      setExecuteFn(async (executionArgs) => {
        try {
          return await executeFn(executionArgs);
        } catch (err) {
          state.flight?.finish(null);
          throw err;
        }
      });
      return {
        async onExecuteDone() {
          // Not cacheable (set() was never called): waiting requests run their own execution.
          state.flight?.finish(null);
          if (state.analysis.kind === "mutation") {
            const extra = tagsOf(policyInvalidations(args, state));
            if (extra.length > 0) state.invalidations.push(options.invalidate(extra, "mutation"));
          }
          if (state.invalidations.length > 0) await Promise.all(state.invalidations);
        },
      };
    },
  };

  return [analysis, responseCache, completion];
}
