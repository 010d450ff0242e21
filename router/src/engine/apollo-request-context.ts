import { createHash } from "node:crypto";
import { getOperationAST, print, type DocumentNode, type ExecutionArgs, type OperationDefinitionNode } from "graphql";
import type { ApolloGateway } from "@apollo/gateway";
import type { Logger } from "@plaza/kit";
import type { RouterContext } from "../context.ts";

export type GatewayExecutor = ApolloGateway["executor"];
type GatewayRequestContext = Parameters<GatewayExecutor>[0];

/** The gateway never reads requestContext.cache (it keeps query plans itself), but the type requires one. */
const unusedCache = {
  get: async () => undefined,
  set: async () => {},
  delete: async () => true,
};

/**
 * Printing and hashing a document costs more than planning a cached query, so both are remembered per document
 * object. Yoga's parse cache hands out the same object for the same query text; a document rewritten by a plugin
 * is a new object and gets its own entry, so its plan is never confused with the original.
 */
const printed = new WeakMap<DocumentNode, { source: string; queryHash: string }>();
function printAndHash(document: DocumentNode) {
  let entry = printed.get(document);
  if (!entry) {
    const source = print(document);
    entry = { source, queryHash: createHash("sha256").update(source).digest("hex") };
    printed.set(document, entry);
  }
  return entry;
}

/** The request context @apollo/gateway's executor expects, built from graphql-js execution arguments as they are. */
export function toGatewayRequestContext(args: ExecutionArgs, fallbackLogger: Logger): GatewayRequestContext {
  const { source, queryHash } = printAndHash(args.document);
  const operationName = args.operationName ?? undefined;
  const context = (args.contextValue ?? {}) as Partial<RouterContext>;
  const operation = getOperationAST(args.document, operationName) as OperationDefinitionNode;
  return {
    request: {
      query: source,
      operationName,
      variables: (args.variableValues ?? undefined) as Record<string, unknown> | undefined,
    },
    document: args.document,
    source,
    queryHash,
    operationName: operation?.name?.value ?? operationName ?? null,
    operation,
    schema: args.schema,
    schemaHash: "" as GatewayRequestContext["schemaHash"],
    context: context as Record<string, unknown>,
    logger: context.logger ?? fallbackLogger,
    cache: unusedCache,
    metrics: {},
    overallCachePolicy: undefined,
  };
}
