import type { Plugin } from "graphql-yoga";
import { getOperationAST, type DocumentNode, type ExecutionResult } from "graphql";
import type { ServiceMetrics } from "./metrics.ts";

/** Starts timing one operation; the returned function records its duration and its errors' codes. */
export type OperationTimer = (document: DocumentNode, operationName: string | null | undefined) => (result: unknown) => void;

/** Times every operation by name and counts returned errors by extensions.code (shared by the plugin and the lane). */
export function createOperationTimer(metrics: ServiceMetrics): OperationTimer {
  const countErrors = (result: ExecutionResult) => {
    for (const error of result.errors ?? []) {
      const code = error.extensions?.code;
      metrics.errors.inc({ code: metrics.errorCodeLabel(typeof code === "string" ? code : "UNKNOWN") });
    }
  };
  return (document, operationName) => {
    const started = performance.now();
    const op = getOperationAST(document, operationName ?? undefined);
    const labels = {
      operation: metrics.operationLabel(operationName ?? op?.name?.value ?? "anonymous"),
      type: op?.operation ?? "unknown",
    };
    return (result) => {
      metrics.operationDuration.observe(labels, (performance.now() - started) / 1000);
      if (result && typeof result === "object" && "errors" in result) countErrors(result as ExecutionResult);
    };
  };
}

/** Times every operation by name and counts returned errors by extensions.code. */
export function useOperationMetrics(metrics: ServiceMetrics): Plugin {
  const time = createOperationTimer(metrics);
  return {
    onExecute({ args }) {
      const done = time(args.document, args.operationName);
      return { onExecuteDone: ({ result }) => done(result) };
    },
  };
}
