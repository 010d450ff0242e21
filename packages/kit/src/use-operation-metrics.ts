import type { Plugin } from "graphql-yoga";
import { getOperationAST, type ExecutionResult } from "graphql";
import type { ServiceMetrics } from "./metrics.ts";

/** Times every operation by name and counts returned errors by extensions.code. */
export function useOperationMetrics(metrics: ServiceMetrics): Plugin {
  const countErrors = (result: ExecutionResult) => {
    for (const error of result.errors ?? []) {
      const code = error.extensions?.code;
      metrics.errors.inc({ code: typeof code === "string" ? code : "UNKNOWN" });
    }
  };
  return {
    onExecute({ args }) {
      const started = performance.now();
      const op = getOperationAST(args.document, args.operationName ?? undefined);
      const labels = { operation: args.operationName ?? op?.name?.value ?? "anonymous", type: op?.operation ?? "unknown" };
      return {
        onExecuteDone({ result }) {
          metrics.operationDuration.observe(labels, (performance.now() - started) / 1000);
          if (result && "errors" in result) countErrors(result as ExecutionResult);
        },
      };
    },
  };
}
