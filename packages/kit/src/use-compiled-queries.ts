import { getOperationAST, type DocumentNode, type ExecutionArgs, type ExecutionResult } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import type { Plugin } from "graphql-yoga";
import type { Logger } from "pino";

/**
 * Runs queries compiled by graphql-jit: each document becomes a function that coerces variables and resolves its
 * selections without graphql-js's per-field interpretation — most of the execution cost of a page of posts or a
 * batch of counters. Only results without errors are kept: a query whose compiled run produced errors runs again
 * on graphql-js (queries have no side effects), so every error reads exactly as graphql-js words it. Mutations
 * and subscriptions always run on graphql-js.
 */
export function useCompiledQueries(logger: Logger): Plugin {
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();

  /** The compiled query for this document and operation; null for mutations, subscriptions and failed compiles. */
  function compiledFor(args: ExecutionArgs): CompiledQuery | null {
    let byName = compiled.get(args.document);
    if (!byName) compiled.set(args.document, (byName = new Map()));
    const key = args.operationName ?? "";
    let query = byName.get(key);
    if (query === undefined) {
      query = compile(args);
      byName.set(key, query);
    }
    return query;
  }

  function compile(args: ExecutionArgs): CompiledQuery | null {
    if (getOperationAST(args.document, args.operationName)?.operation !== "query") return null;
    const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
    if (isCompiledQuery(result)) return result;
    logger.warn({ errors: (result as ExecutionResult).errors }, "graphql-jit could not compile a query");
    return null;
  }

  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const query = compiledFor(args);
      if (!query) return;
      setExecuteFn(async (executionArgs: ExecutionArgs) => {
        const result = await query.query(executionArgs.rootValue, executionArgs.contextValue, executionArgs.variableValues);
        return result.errors?.length ? executeFn(executionArgs) : result;
      });
    },
  };
}
