import { getOperationAST, parse, type DocumentNode, type ExecutionArgs, type ValidationRule } from "graphql";
import type { Plugin } from "graphql-yoga";
import { checkShape, costOf, LIMIT_CODES, limitError, type OperationLimits } from "../limits/operation-limits.ts";

/** graphql-js words an exceeded token limit as a syntax error; it becomes a limit error with its own code. */
const TOKEN_LIMIT_MESSAGE = /Document contains more that? \d+ tokens/;

/** Documents whose cost does not depend on variables: computed once per document and operation. */
type CostMemo = WeakMap<DocumentNode, Map<string, number>>;

function costError(cost: number, limits: OperationLimits) {
  const error = limitError(LIMIT_CODES.cost, `Operation is estimated to cost ${cost}; the limit is ${limits.maxCost}`);
  // A request error: 400 for clients that accept application/graphql-response+json, as yoga does for validation.
  (error.extensions as Record<string, unknown>).http = { status: 400, spec: true };
  return error;
}

/**
 * The router's operation limits (see limits/operation-limits.ts), all judged before anything is planned or fetched:
 * the token limit while parsing, depth / aliases / root fields / directives as a validation rule (so yoga's
 * validation cache remembers the verdict per document), and the cost — which depends on the variables — when an
 * operation is about to execute or subscribe. Must come before the gateway executor and the response cache.
 */
export function useOperationLimits(limits: OperationLimits): Plugin {
  const shapeRule: ValidationRule = (context) => ({
    Document(node) {
      for (const error of checkShape(node, limits)) context.reportError(error);
      return false;
    },
  });
  const memo: CostMemo = new WeakMap();

  function exceedsCost(args: ExecutionArgs): number | undefined {
    if (limits.maxCost <= 0) return undefined;
    const operation = getOperationAST(args.document, args.operationName ?? undefined);
    if (!operation) return undefined;
    const staticCost = (operation.variableDefinitions?.length ?? 0) === 0;
    const key = args.operationName ?? "";
    let cost = staticCost ? memo.get(args.document)?.get(key) : undefined;
    if (cost === undefined) {
      cost = costOf(args.schema, args.document, operation, args.variableValues, limits);
      if (staticCost) {
        let byName = memo.get(args.document);
        if (!byName) memo.set(args.document, (byName = new Map()));
        byName.set(key, cost);
      }
    }
    return cost > limits.maxCost ? cost : undefined;
  }

  return {
    onParse({ setParseFn }) {
      if (limits.maxTokens <= 0) return;
      setParseFn((source, options) => {
        try {
          return parse(source, { ...options, maxTokens: limits.maxTokens });
        } catch (error) {
          if (error instanceof Error && TOKEN_LIMIT_MESSAGE.test(error.message)) {
            throw limitError(LIMIT_CODES.tokens, `Document has more than ${limits.maxTokens} tokens`);
          }
          throw error;
        }
      });
    },
    onValidate({ addValidationRule }) {
      addValidationRule(shapeRule);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const cost = exceedsCost(args);
      if (cost !== undefined) setResultAndStopExecution({ errors: [costError(cost, limits)] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const cost = exceedsCost(args);
      if (cost !== undefined) setResultAndStopExecution({ errors: [costError(cost, limits)] });
    },
  };
}
