import { getDocumentString } from "@envelop/core";
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { OperationKinds } from "../http/inbound-dedupe.ts";

/** Teaches inbound deduplication which request texts are queries: only texts the GraphQL path parsed ever join. */
export function useOperationKinds(kinds: OperationKinds): Plugin {
  return {
    onExecute({ args }) {
      const text = getDocumentString(args.document);
      if (!text || kinds.get(text, args.operationName)) return;
      const operation = getOperationAST(args.document, args.operationName)?.operation;
      if (operation === "query" || operation === "mutation") kinds.remember(text, args.operationName, operation);
    },
  };
}
