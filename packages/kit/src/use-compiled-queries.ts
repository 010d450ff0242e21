import { getOperationAST, type DocumentNode, type ExecutionArgs, type ExecutionResult } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import type { Plugin } from "graphql-yoga";
import type { Logger } from "pino";

type Execute = (args: ExecutionArgs) => Promise<ExecutionResult> | ExecutionResult;

/**
 * Runs queries compiled by graphql-jit: each document becomes a function that coerces variables and resolves its
 * selections without graphql-js's per-field interpretation — most of the execution cost of a page of posts or a
 * batch of counters. Only results without errors are kept: a query whose compiled run produced errors runs again
 * on graphql-js (queries have no side effects), so every error reads exactly as graphql-js words it. Mutations
 * and subscriptions always run on graphql-js.
 * Returns, per operation, the compiled run in front of `fallback`, or undefined where there is none.
 */
export function createQueryCompiler(
  logger: Logger,
  /** Called for every compiled run (a metric: how much traffic runs compiled). */
  onRun?: () => void,
): (args: ExecutionArgs, fallback: Execute) => Execute | undefined {
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

  return (args, fallback) => {
    const query = compiledFor(args);
    if (!query) return undefined;
    return async (executionArgs: ExecutionArgs) => {
      onRun?.();
      const result = await query.query(executionArgs.rootValue, executionArgs.contextValue, executionArgs.variableValues);
      return result.errors?.length ? fallback(executionArgs) : result;
    };
  };
}

export type QueryCompiler = ReturnType<typeof createQueryCompiler>;

/** Queries run compiled (see createQueryCompiler; one compiler may serve several paths). */
export function useCompiledQueries(compiledRun: QueryCompiler): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const run = compiledRun(args, executeFn as Execute);
      if (run) setExecuteFn(run as typeof executeFn);
    },
  };
}
