import { createHash } from "node:crypto";
import {
  getOperationAST,
  print,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type OperationDefinitionNode,
} from "graphql";
import type { Plugin } from "graphql-yoga";
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
 * object. Yoga's parse cache hands out the same object for the same query text; a document rewritten by a later
 * plugin (response cache) is a new object and gets its own entry, so its plan is never confused with the original.
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

/**
 * Executes operations through @apollo/gateway's query planner with exactly the execution arguments it is called
 * with. Plugins registered after this one (the response cache) wrap this execute function and call it with a
 * rewritten document; unlike `useApolloFederation`, those arguments are honoured, so what is planned and fetched
 * is what the wrapping plugin asked for.
 */
export function useGatewayExecutor(opts: {
  executor: GatewayExecutor;
  logger: Logger;
  /** Wraps the gateway's execution, e.g. to answer single-fetch operations directly (plan/single-fetch.ts). */
  wrap?: (gateway: (args: ExecutionArgs) => Promise<ExecutionResult>) => (args: ExecutionArgs) => Promise<ExecutionResult>;
}): Plugin {
  const gateway = (args: ExecutionArgs) => opts.executor(toGatewayRequestContext(args, opts.logger)) as Promise<ExecutionResult>;
  const execute = opts.wrap ? opts.wrap(gateway) : gateway;
  return {
    onExecute({ setExecuteFn }) {
      setExecuteFn(execute);
    },
  };
}
