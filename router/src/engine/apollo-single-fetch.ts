import { buildOperationContext, executeQueryPlan, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { GraphQLDataSourceRequestKind } from "@apollo/gateway/dist/datasources/types.js";
import { operationFromDocument } from "@apollo/federation-internals";
import type { FetchNode, QueryPlan } from "@apollo/query-planner";
import {
  getOperationAST,
  Kind,
  parse,
  print,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
  type ExecutionResult,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from "graphql";
import { getVariableValues } from "graphql/execution/values.js";
import type { Logger } from "@plaza/kit";
import type { GatewayDataSource, GatewayResponse } from "./apollo-data-source.ts";
import { toGatewayRequestContext } from "./apollo-request-context.ts";
import { conformsToShape, directShapeOf, type DirectShape } from "./direct-shape.ts";
import type { FederationPlanning } from "./apollo-planning.ts";

type Execute = (args: ExecutionArgs) => Promise<ExecutionResult>;

/** An operation the planner answers with one fetch whose selection is exactly the client's. */
interface SingleFetch {
  plan: QueryPlan;
  fetch: FetchNode;
  fetchDocument: DocumentNode;
  definition: OperationDefinitionNode;
  /** What the subgraph's data must look like to be the response as it is (root `__typename`s aside). */
  shape: DirectShape;
  /**
   * Set when the data's keys come in another order than the client's, or the client selected a root `__typename`
   * (the planner answers those itself and puts `__typename` first at every level): the data is copied in the
   * client's order.
   */
  reorder?: SelectionSetNode;
  operationContext?: ReturnType<typeof buildOperationContext>;
}

export interface SingleFetchExecutorDeps {
  planning: FederationPlanning;
  subgraphs: ReadonlyMap<string, GatewayDataSource>;
  /** @apollo/gateway's executor: everything that is not a single fetch, and every invalid request. */
  gateway: Execute;
  logger: Logger;
  /** Counts operations answered with the subgraph's own response (a metric). */
  onDirect?: () => void;
}

/** A response the gateway would return unchanged: data, no errors. */
const isClean = (response: GatewayResponse): response is GatewayResponse & { data: Record<string, unknown> } =>
  !response.errors?.length && typeof response.data === "object" && response.data !== null;

/**
 * Executes operations the query planner answers with a single fetch whose selection set is the client's own
 * (`incrementCounter`, `feed`, `post(id)` …): the subgraph's data is already the response, so the gateway's result
 * shaping — which copies it field by field, and costs more than the fetch for a page of posts — is skipped. The plan
 * is the planner's, made once per document. Only fields-only operations over object types qualify, and each
 * response is checked to be what the gateway's result shaping would return unchanged (direct-shape.ts). Whatever is
 * not that simple goes to the gateway. Variables are checked
 * first, as the gateway does, so invalid ones never reach a subgraph; a response with errors (or a failed fetch)
 * is handed to the gateway's own plan execution, answered from what was received, so errors read exactly as they
 * always have and nothing is fetched twice.
 */
export function createSingleFetchExecutor(deps: SingleFetchExecutorDeps): Execute {
  const { planning, logger } = deps;

  // Keyed by the operation itself, never by the client's operationName: a name matching no operation stores nothing.
  const plans = new WeakMap<OperationDefinitionNode, SingleFetch | null>();

  function singleFetchOf(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): SingleFetch | null {
    const definition = getOperationAST(document, operationName);
    if (!definition) return null;
    let found = plans.get(definition);
    if (found === undefined) {
      found = plan(schema, document, definition, operationName);
      plans.set(definition, found);
    }
    return found;
  }

  function plan(
    schema: GraphQLSchema,
    document: DocumentNode,
    definition: OperationDefinitionNode,
    operationName: string | undefined,
  ): SingleFetch | null {
    if (definition.operation === "subscription" || definition.directives?.length) return null;
    const rootType = schema.getRootType(definition.operation);
    // Fields only, over object types: the only operations whose subgraph data can be the response unchanged.
    const clientShape = rootType && directShapeOf(schema, rootType, definition.selectionSet);
    if (!clientShape) return null;
    let queryPlan: QueryPlan;
    try {
      queryPlan = planning.planner.buildQueryPlan(operationFromDocument(planning.apiSchema, document, { operationName }));
    } catch {
      return null; // the gateway reports it
    }
    const fetch = queryPlan.node;
    if (fetch?.kind !== "Fetch" || fetch.requires || fetch.inputRewrites?.length || fetch.outputRewrites?.length) return null;
    if (fetch.contextRewrites?.length) return null;
    const fetchDocument = parse(fetch.operation);
    const fetched = getOperationAST(fetchDocument, fetch.operationName);
    if (fetched?.operation !== definition.operation) return null;
    // The planner answers root-level `__typename` itself and puts `__typename` first.
    const fetchedSelections = print(fetched.selectionSet);
    const rootTypename = definition.selectionSet.selections.some(isTypenameField);
    const compared = {
      ...definition.selectionSet,
      selections: definition.selectionSet.selections.filter((s) => !isTypenameField(s)),
    };
    const shape: DirectShape = { fields: clientShape.fields.filter((field) => !field.typename) };
    // Same selections, printed the same way: the subgraph's data has the shape the client asked for.
    if (fetchedSelections === print(compared)) {
      return {
        plan: queryPlan,
        fetch,
        fetchDocument,
        definition,
        shape,
        reorder: rootTypename ? definition.selectionSet : undefined,
      };
    }
    if (fetchedSelections === print(typenameFirst(compared))) {
      return { plan: queryPlan, fetch, fetchDocument, definition, shape, reorder: definition.selectionSet };
    }
    return null;
  }

  return async (args) => {
    const single = singleFetchOf(args.schema, args.document, args.operationName ?? undefined);
    const source = single && deps.subgraphs.get(single.fetch.serviceName);
    if (!single || !source) return deps.gateway(args);
    const provided = (args.variableValues ?? {}) as Record<string, unknown>;
    if (single.definition.variableDefinitions?.length) {
      if (getVariableValues(args.schema, single.definition.variableDefinitions, provided).errors) return deps.gateway(args);
    }

    const { fetch } = single;
    const variables: Record<string, unknown> = {};
    for (const name of fetch.variableUsages ?? []) if (provided[name] !== undefined) variables[name] = provided[name];
    const requestContext = toGatewayRequestContext(args, logger);
    const options: GraphQLDataSourceProcessOptions<Record<string, unknown>> = {
      kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
      request: { query: fetch.operation, variables, operationName: fetch.operationName },
      incomingRequestContext: requestContext,
      context: requestContext.context,
      document: single.fetchDocument,
      pathInIncomingRequest: [],
    };
    let received: Promise<GatewayResponse>;
    try {
      const response = await source.process(options);
      // Data the gateway's result shaping would change (an inaccessible enum value, a null where the API schema
      // says non-null, …) is shaped by the gateway from what was received, like a response with errors.
      if (isClean(response) && conformsToShape(args.schema, response.data, single.shape)) {
        deps.onDirect?.();
        if (!single.reorder) return { data: response.data };
        const rootType = args.schema.getRootType(single.definition.operation)?.name;
        return { data: inSelectionOrder(response.data, single.reorder, rootType) as Record<string, unknown> };
      }
      received = Promise.resolve(response);
    } catch (err) {
      received = Promise.reject(err as Error);
    }
    received.catch(() => undefined);
    // The gateway's execution of the same plan, its one fetch answered with what the subgraph already sent.
    single.operationContext ??= buildOperationContext({
      schema: args.schema,
      operationDocument: args.document,
      operationName: args.operationName ?? undefined,
    });
    return (await executeQueryPlan(
      single.plan,
      { [fetch.serviceName]: { process: () => received } },
      requestContext,
      single.operationContext,
      planning.supergraphSchema,
      planning.apiSchema,
    )) as ExecutionResult;
  };
}

/** The selection set with `__typename` first at every level, as the query planner prints fetches. */
function typenameFirst(selectionSet: SelectionSetNode): SelectionSetNode {
  const fields = selectionSet.selections.map((selection) =>
    selection.kind === Kind.FIELD && selection.selectionSet
      ? { ...selection, selectionSet: typenameFirst(selection.selectionSet) }
      : selection,
  );
  const isTypename = (selection: SelectionNode) =>
    selection.kind === Kind.FIELD && selection.name.value === "__typename" && !selection.alias;
  return { ...selectionSet, selections: [...fields.filter(isTypename), ...fields.filter((f) => !isTypename(f))] };
}

const isTypenameField = (selection: SelectionNode) => selection.kind === Kind.FIELD && selection.name.value === "__typename";

/**
 * A copy of `value` with each object's keys in the order the (fields-only) selection set asks for them; at the
 * root, `__typename` fields (which the planner does not fetch) are answered with the root type's name.
 */
function inSelectionOrder(value: unknown, selectionSet: SelectionSetNode, rootType?: string): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => inSelectionOrder(item, selectionSet));
  const source = value as Record<string, unknown>;
  // No prototype, as graphql-js and the gateway build results: an alias may be `__proto__`.
  const ordered = Object.create(null) as Record<string, unknown>;
  for (const selection of selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const key = selection.alias?.value ?? selection.name.value;
    if (rootType !== undefined && isTypenameField(selection)) {
      ordered[key] = rootType;
      continue;
    }
    if (!Object.hasOwn(source, key)) continue;
    ordered[key] = selection.selectionSet ? inSelectionOrder(source[key], selection.selectionSet) : source[key];
  }
  return ordered;
}
