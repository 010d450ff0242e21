import type { OperationAnalysis } from "./document-analysis.ts";

/**
 * Query texts the GraphQL path has already parsed, validated and analysed, so the HTTP fast path can recognise a
 * cacheable operation from the raw request without parsing it. Bounded; oldest texts are forgotten first.
 */
export interface KnownOperations {
  remember(text: string, operationName: string | null | undefined, analysis: OperationAnalysis): void;
  get(text: string, operationName: string | null | undefined): OperationAnalysis | undefined;
  clear(): void;
  /** Changes on clear() (a new schema): anything derived from older analyses is stale. */
  readonly generation: number;
}

export function createKnownOperations(maxTexts = 5_000): KnownOperations {
  const byText = new Map<string, Map<string, OperationAnalysis>>();
  let generation = 0;
  return {
    get generation() {
      return generation;
    },
    remember(text, operationName, analysis) {
      let operations = byText.get(text);
      if (!operations) {
        if (byText.size >= maxTexts) byText.delete(byText.keys().next().value!);
        byText.set(text, (operations = new Map()));
      }
      operations.set(operationName ?? "", analysis);
    },
    get: (text, operationName) => byText.get(text)?.get(operationName ?? ""),
    clear() {
      byText.clear();
      generation++;
    },
  };
}
