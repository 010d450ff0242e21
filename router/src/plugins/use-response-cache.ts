import { getDocumentString, isAsyncIterable } from "@envelop/core";
import { getArgumentValues, Kind, print, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Logger } from "@plaza/kit";
import type { RouterContext, RouterServerContext } from "../context.ts";
import type { RouterMetrics } from "../metrics.ts";
import { responseCacheKey, scopeKey } from "../cache/cache-key.ts";
import { defaultScopeFor, invalidationTags, type EntityRef, type ResponseCachePolicy } from "../cache/cache-policy.ts";
import { createDocumentAnalyzer, type DocumentAnalyzer, type OperationAnalysis } from "../cache/document-analysis.ts";
import type { KnownOperations } from "../cache/known-operations.ts";
import {
  CACHE_DEBUG_REQUEST_HEADER,
  CACHE_DEBUG_RESPONSE_HEADER,
  waitAtMost,
  type FlightRegistry,
  type RequestCacheState,
} from "../cache/request-state.ts";
import { createResultEntityCollector, mutationTags, resultTags, type ResultEntityCollector } from "../cache/result-entities.ts";
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
 * The router's response cache, as two plugins for buildRouter's `plugins` slot (after the gateway executor, whose
 * execute function they wrap):
 * 1. analysis — decides per operation whether it is cacheable and whether its scope is public or per viewer;
 * 2. execution — answers hits from our two-level cache (L1 in process, L2 Redis) with one upstream execution per key
 *    at a time; stores results tagged with the entities they hold; and for mutations invalidates the entities in
 *    the result and what the policy says the mutation changes, sending the response only once Redis has forgotten
 *    the old data.
 * The operation reaches the gateway exactly as the client sent it: entities are read from the result with the
 * client's own selections (result-entities.ts), never by adding selections the query planner would have to plan.
 */
export function useResponseCache(options: UseResponseCacheOptions): Plugin<RouterContext, RouterServerContext>[] {
  const { policy, cache, flights, metrics } = options;
  const states = new WeakMap<object, RequestCacheState>();
  const debugStates = new WeakMap<Request, RequestCacheState>();
  let analyzer: DocumentAnalyzer | undefined;
  let collector: ResultEntityCollector | undefined;
  let schema: GraphQLSchema | undefined;

  const stateOf = (context: unknown): RequestCacheState | undefined => states.get(context as object);

  /** Queries are served from the cache only when cacheable for this caller; mutations always go through. */
  const cachedFor = (state: RequestCacheState) =>
    state.analysis.kind === "query" && state.analysis.cacheable && (state.analysis.scope === "PUBLIC" || state.viewerId !== null);

  async function lookup(state: RequestCacheState, key: string): Promise<ExecutionResult | null> {
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
  }

  /** Stores a query's result with the tags of the entities it holds, unless nothing may keep it. */
  function store(args: ExecutionArgs, state: RequestCacheState, key: string, result: ExecutionResult) {
    // Results with errors are never cached.
    if (result.errors?.length || !result.data || !collector) return;
    const found = collector.collect({ ...args, data: result.data });
    // A type the policy calls private, reached behind an interface or union the analysis could not see through.
    if (found.private && state.analysis.scope === "PUBLIC") return;
    const ttl = minTtl(state.analysis, found.ttlMs) ?? policy.defaultTtlMs;
    if (ttl <= 0) return;
    const tags = resultTags(found);
    if (state.mark) cache.store(key, Buffer.from(JSON.stringify(result)), tags, ttl, state.mark);
    state.flight?.finish({ result, tags });
  }

  /** What a mutation changed: the entities of its result, and what the policy declares for its root fields. */
  function mutationInvalidations(args: ExecutionArgs, state: RequestCacheState, result: ExecutionResult): string[] {
    const declared = policyInvalidations(args, state);
    const tags = invalidationTags(declared.refs);
    if (result.data && collector) {
      // A root field the policy covers is trusted for what its result does not identify.
      const found = collector.collect({ ...args, data: result.data, ignoreUnidentifiedUnder: declared.ruled });
      tags.push(...mutationTags(found));
    }
    return [...new Set(tags)];
  }

  const analysis: Plugin<RouterContext, RouterServerContext> = {
    onSchemaChange({ schema: next }) {
      if (next === schema) return;
      schema = next;
      analyzer = createDocumentAnalyzer(next, policy);
      collector = createResultEntityCollector(next, policy);
      options.logger.info(
        { defaultScope: defaultScopeFor(policy, next), configured: policy.defaultScope },
        "response cache: results the policy does not name are cached with this scope",
      );
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

  /** Extra invalidations the policy declares for the mutation's root fields, from their coerced arguments. */
  function policyInvalidations(args: ExecutionArgs, state: RequestCacheState): { refs: EntityRef[]; ruled: Set<string> } {
    const refs: EntityRef[] = [];
    const ruled = new Set<string>();
    const mutationType = args.schema.getMutationType();
    if (!mutationType) return { refs, ruled };
    const operation = args.document.definitions.find(
      (d) =>
        d.kind === Kind.OPERATION_DEFINITION &&
        d.operation === "mutation" &&
        (!args.operationName || d.name?.value === args.operationName),
    );
    if (operation?.kind !== Kind.OPERATION_DEFINITION) return { refs, ruled };
    for (const selection of operation.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) continue;
      const rule = policy.mutations[`${mutationType.name}.${selection.name.value}`];
      const field = mutationType.getFields()[selection.name.value];
      if (!rule || !field) continue;
      ruled.add(field.name);
      try {
        const fieldArgs = getArgumentValues(field, selection, (args.variableValues ?? {}) as Record<string, unknown>);
        refs.push(...rule({ args: fieldArgs, viewerId: state.viewerId }));
      } catch {
        // Arguments that do not coerce fail execution anyway; nothing changed.
      }
    }
    return { refs, ruled };
  }

  const execution: Plugin<RouterContext, RouterServerContext> = {
    async onExecute({ args, executeFn, setExecuteFn }) {
      const state = stateOf(args.contextValue);
      if (!state) return;
      if (state.analysis.kind === "mutation") {
        return {
          async onExecuteDone({ result }) {
            if (!isAsyncIterable(result)) {
              const tags = mutationInvalidations(args, state, result);
              if (tags.length > 0) state.invalidations.push(options.invalidate(tags, "mutation"));
            }
            if (state.invalidations.length > 0) await Promise.all(state.invalidations);
          },
        };
      }
      if (!cachedFor(state)) return;
      const key = responseCacheKey(
        getDocumentString(args.document, print),
        args.operationName,
        args.variableValues,
        scopeKey(state.analysis.scope, state.viewerId),
      );
      const cached = await lookup(state, key);
      if (cached) {
        setExecuteFn(() => cached);
        return;
      }
      setExecuteFn(async (executionArgs) => {
        try {
          return await executeFn(executionArgs);
        } catch (err) {
          state.flight?.finish(null);
          throw err;
        }
      });
      return {
        onExecuteDone({ result }) {
          if (!isAsyncIterable(result)) store(args, state, key, result);
          // Not stored: waiting requests run their own execution (finish is idempotent).
          state.flight?.finish(null);
        },
      };
    },
  };

  return [analysis, execution];
}

const minTtl = (analysis: OperationAnalysis, found: number | undefined): number | undefined =>
  analysis.ttlMs === undefined ? found : found === undefined ? analysis.ttlMs : Math.min(analysis.ttlMs, found);
