import { createBoundedCache, MAX_CACHED_DOCUMENT_CHARS, textBytes } from "@plaza/kit";
import type { OperationAnalysis } from "./document-analysis.ts";

/**
 * Query texts the GraphQL path has already parsed, validated and analysed, so the HTTP fast path can recognise a
 * cacheable operation from the raw request without parsing it. Bounded by count and bytes; least recently used texts are forgotten first.
 */
export interface KnownOperations {
  remember(text: string, operationName: string | null | undefined, analysis: OperationAnalysis): void;
  get(text: string, operationName: string | null | undefined): OperationAnalysis | undefined;
  clear(): void;
  /** Changes on clear() (a new schema): anything derived from older analyses is stale. */
  readonly generation: number;
}

export function createKnownOperations(maxTexts = 5_000, maxBytes = 16 * 1024 * 1024): KnownOperations {
  const byText = createBoundedCache<string, Map<string, OperationAnalysis>>({
    maxEntries: maxTexts,
    maxBytes,
    sizeOf: (text) => textBytes(text) + 256,
    maxEntryBytes: textBytes("x".repeat(MAX_CACHED_DOCUMENT_CHARS)) + 256,
  });
  let generation = 0;
  return {
    get generation() {
      return generation;
    },
    remember(text, operationName, analysis) {
      let operations = byText.get(text);
      if (!operations) byText.set(text, (operations = new Map()));
      operations.set(operationName ?? "", analysis);
    },
    get: (text, operationName) => byText.get(text)?.get(operationName ?? ""),
    clear() {
      byText.clear();
      generation++;
    },
  };
}
