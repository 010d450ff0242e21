import { createHash } from "node:crypto";
import {
  GraphQLError,
  Kind,
  getOperationAST,
  print,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";
import { buildOperationContext } from "@apollo/gateway";
import { operationFromDocument, type Schema } from "@apollo/federation-internals";
import type { FetchNode, QueryPlan } from "@apollo/query-planner";
import type { FederationPlanning } from "../plan/federation-planning.ts";

type OperationContext = ReturnType<typeof buildOperationContext>;

/** What the router needs to serve one subscription document. */
export interface SubscriptionPlan {
  /** The subscription's root field (`feedUpdated`): decides whether the subscription may be shared across viewers. */
  rootField: string;
  /** Opens the root field on the subgraph that owns it. */
  primary: FetchNode;
  /** `Sequence[primary, rest]`, run once per event with `primary` answered by the event itself. */
  perEvent: QueryPlan;
  operationContext: OperationContext;
  /** The printed client operation and its hash, as @apollo/gateway's request context carries them. */
  source: string;
  queryHash: string;
}

export interface SubscriptionPlanner {
  readonly apiSchema: Schema;
  /** The supergraph schema as graphql-js, which plan execution needs for rewrites and `requires`. */
  readonly supergraphSchema: GraphQLSchema;
  /** Throws a GraphQLError if the operation is not a subscription or cannot be planned. */
  plan(document: DocumentNode, operationName: string | null | undefined, apiGraphQLSchema: GraphQLSchema): SubscriptionPlan;
}

/**
 * Plans subscriptions with the federation query planner, which @apollo/gateway itself refuses to execute: the
 * planner answers `{ kind: "Subscription", primary, rest }`, and `Sequence[primary, rest]` is an ordinary plan
 * the gateway's `executeQueryPlan` can run per event. Plans are remembered per parsed document (yoga's parser
 * cache hands out the same document object for the same query text).
 */
export function createSubscriptionPlanner(planning: FederationPlanning): SubscriptionPlanner {
  const { planner, apiSchema, supergraphSchema } = planning;
  const cache = new WeakMap<DocumentNode, Map<string, SubscriptionPlan>>();

  function build(document: DocumentNode, operationName: string | undefined, schema: GraphQLSchema): SubscriptionPlan {
    const definition = getOperationAST(document, operationName);
    if (!definition) throw new GraphQLError("Unable to identify the operation", { extensions: { code: "BAD_USER_INPUT" } });
    if (definition.operation !== "subscription")
      throw new GraphQLError("Only subscription operations are planned here", { extensions: { code: "BAD_USER_INPUT" } });
    const fragments = new Map(
      document.definitions
        .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((d) => [d.name.value, d]),
    );
    const rootField = firstFieldName(definition.selectionSet, fragments);
    if (!rootField)
      throw new GraphQLError("A subscription must select one root field", { extensions: { code: "BAD_USER_INPUT" } });

    const operation = operationFromDocument(apiSchema, document, { operationName });
    const node = planner.buildQueryPlan(operation).node;
    if (node?.kind !== "Subscription") {
      throw new GraphQLError(`The query planner produced no subscription plan for "${rootField}"`, {
        extensions: { code: "INTERNAL_SERVER_ERROR" },
      });
    }
    const perEvent: QueryPlan = {
      kind: "QueryPlan",
      node: node.rest ? { kind: "Sequence", nodes: [node.primary, node.rest] } : node.primary,
    };
    const source = print(document);
    return {
      rootField,
      primary: node.primary,
      perEvent,
      operationContext: buildOperationContext({ schema, operationDocument: document, operationName }),
      source,
      queryHash: createHash("sha256").update(source).digest("hex"),
    };
  }

  return {
    apiSchema,
    supergraphSchema,
    plan(document, operationName, schema) {
      const name = operationName ?? undefined;
      let byName = cache.get(document);
      if (!byName) cache.set(document, (byName = new Map()));
      let plan = byName.get(name ?? "");
      if (!plan) byName.set(name ?? "", (plan = build(document, name, schema)));
      return plan;
    },
  };
}

function firstFieldName(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>): string | undefined {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== "__typename") return selection.name.value;
      continue;
    }
    const nested =
      selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : fragments.get(selection.name.value)?.selectionSet;
    const found = nested && firstFieldName(nested, fragments);
    if (found) return found;
  }
  return undefined;
}
