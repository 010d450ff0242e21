import { createHash } from "node:crypto";
import {
  GraphQLError,
  Kind,
  getOperationAST,
  print,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";
import { buildOperationContext, executeQueryPlan } from "@apollo/gateway";
import { operationFromDocument } from "@apollo/federation-internals";
import type { QueryPlan } from "@apollo/query-planner";
import type { Logger } from "@plaza/kit";
import type { GatewayDataSource, GatewayResponse } from "./apollo-data-source.ts";
import type { FederationPlanning } from "./apollo-planning.ts";
import { toGatewayRequestContext } from "./apollo-request-context.ts";
import type { PlannedSubscription } from "./federation-engine.ts";

export interface SubscriptionPlanner {
  /** Throws a GraphQLError if the operation is not a subscription or cannot be planned. */
  plan(document: DocumentNode, operationName: string | null | undefined): PlannedSubscription;
}

/**
 * Plans subscriptions with the federation query planner, which @apollo/gateway itself refuses to execute: the
 * planner answers `{ kind: "Subscription", primary, rest }`, and `Sequence[primary, rest]` is an ordinary plan
 * the gateway's `executeQueryPlan` can run per event. Plans are remembered per parsed document (yoga's parser
 * cache hands out the same document object for the same query text).
 */
export function createSubscriptionPlanner(deps: {
  planning: FederationPlanning;
  /** The API schema as graphql-js. */
  schema: GraphQLSchema;
  /** The router's data sources, by subgraph name: `rest` fetches go through them like any query's. */
  subgraphs: ReadonlyMap<string, GatewayDataSource>;
  logger: Logger;
}): SubscriptionPlanner {
  const { planner, apiSchema, supergraphSchema } = deps.planning;
  const services = Object.fromEntries(deps.subgraphs);
  const cache = new WeakMap<DocumentNode, Map<string, PlannedSubscription>>();

  function build(document: DocumentNode, operationName: string | undefined): PlannedSubscription {
    const schema = deps.schema;
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
    const primary = node.primary;
    const operationContext = buildOperationContext({ schema, operationDocument: document, operationName });
    const realPrimary = deps.subgraphs.get(primary.serviceName);
    return {
      rootField,
      primary: {
        subgraph: primary.serviceName,
        query: primary.operation,
        operationName: primary.operationName,
        variableUsages: primary.variableUsages ?? [],
      },
      queryHash: createHash("sha256").update(print(document)).digest("hex"),
      eventResolver(args) {
        const requestContext = toGatewayRequestContext(args, deps.logger);
        return async (payload) => {
          let answered = false;
          // Answers the plan's primary fetch with the event; anything else (even on the same subgraph) is fetched.
          const eventSource: GatewayDataSource = {
            process(processOptions) {
              if (!answered && processOptions.request.query === primary.operation) {
                answered = true;
                return Promise.resolve(payload as GatewayResponse);
              }
              if (!realPrimary) return Promise.reject(new Error(`no data source for "${primary.serviceName}"`));
              return realPrimary.process(processOptions);
            },
          };
          return (await executeQueryPlan(
            perEvent,
            { ...services, [primary.serviceName]: eventSource },
            requestContext,
            operationContext,
            supergraphSchema,
            apiSchema,
          )) as ExecutionResult;
        };
      },
    };
  }

  return {
    plan(document, operationName) {
      const name = operationName ?? undefined;
      let byName = cache.get(document);
      if (!byName) cache.set(document, (byName = new Map()));
      let plan = byName.get(name ?? "");
      if (!plan) byName.set(name ?? "", (plan = build(document, name)));
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
