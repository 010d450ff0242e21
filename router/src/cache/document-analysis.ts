import {
  getNamedType,
  getOperationAST,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { defaultScopeFor, type CacheScope, type ResponseCachePolicy } from "./cache-policy.ts";

/** What the cache needs to know about one operation of a document, decided once per document. */
export interface OperationAnalysis {
  kind: "query" | "mutation" | "subscription" | "invalid";
  /** The operation's own name (for metrics), or null. */
  name: string | null;
  /** A query none of whose coordinates has TTL 0 or is introspection. */
  cacheable: boolean;
  scope: CacheScope;
  /** The shortest TTL the policy names for a coordinate or type the operation selects (undefined: none named). */
  ttlMs?: number;
  /** Mutation root fields (for the policy's extra invalidations). */
  rootFields: readonly string[];
}

const UNCACHEABLE: Omit<OperationAnalysis, "kind" | "name" | "rootFields"> = { cacheable: false, scope: "PRIVATE" };
const INVALID: OperationAnalysis = { kind: "invalid", name: null, rootFields: [], ...UNCACHEABLE };

export interface DocumentAnalyzer {
  /** Analysis of the operation `operationName` selects in `document` (memoized per document object). */
  analyze(document: DocumentNode, operationName: string | null | undefined): OperationAnalysis;
}

export function createDocumentAnalyzer(schema: GraphQLSchema, policy: ResponseCachePolicy): DocumentAnalyzer {
  const privateCoordinates = new Set(policy.private);
  const defaultScope = defaultScopeFor(policy, schema);
  const byOperation = new WeakMap<OperationDefinitionNode, OperationAnalysis>();

  function analyzeOperation(document: DocumentNode, operation: OperationDefinitionNode): OperationAnalysis {
    const kind = operation.operation;
    const name = operation.name?.value ?? null;
    const rootFields = operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
    if (kind !== "query") return { kind, name, rootFields, ...UNCACHEABLE };

    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    let cacheable = true;
    // With a PRIVATE default (a supergraph nobody reviewed), every result is per viewer.
    let scope: CacheScope = defaultScope;
    const seen = new Set<string>();
    const queue: Array<OperationDefinitionNode | FragmentDefinitionNode> = [operation];
    let ttlMs: number | undefined;
    const consider = (coordinate: string) => {
      const ttl = policy.ttl[coordinate];
      if (ttl === 0) cacheable = false;
      if (ttl !== undefined && (ttlMs === undefined || ttl < ttlMs)) ttlMs = ttl;
      if (privateCoordinates.has(coordinate)) scope = "PRIVATE";
    };
    while (queue.length > 0 && cacheable) {
      const node = queue.pop()!;
      const typeInfo = new TypeInfo(schema);
      visit(
        node,
        visitWithTypeInfo(typeInfo, {
          Field(field) {
            const parent = typeInfo.getParentType();
            if (field.name.value === "__schema" || field.name.value === "__type") cacheable = false;
            if (!parent) return;
            const coordinate = `${parent.name}.${field.name.value}`;
            consider(coordinate);
            const type = typeInfo.getType();
            if (type) consider(getNamedType(type).name);
          },
          FragmentSpread(spread) {
            const fragment = fragments.get(spread.name.value);
            if (fragment && !seen.has(fragment.name.value)) {
              seen.add(fragment.name.value);
              queue.push(fragment);
            }
          },
        }),
      );
    }
    return { kind, name, rootFields, cacheable, scope: cacheable ? scope : "PRIVATE", ttlMs };
  }

  return {
    analyze(document, operationName) {
      // Keyed by the operation itself: an operationName matching none (the client's to choose) stores nothing.
      const operation = getOperationAST(document, operationName ?? undefined);
      if (!operation) return INVALID;
      let analysis = byOperation.get(operation);
      if (!analysis) byOperation.set(operation, (analysis = analyzeOperation(document, operation)));
      return analysis;
    },
  };
}
