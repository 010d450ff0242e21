import { Kind, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Authenticator } from "../auth/authenticator.ts";
import type { RouterContext } from "../context.ts";

/** Root mutation fields of the session subgraph that revoke tokens. */
export const SIGN_OUT_FIELDS: ReadonlySet<string> = new Set(["signOut", "signOutEverywhere"]);

function signsOut(document: DocumentNode, operationName: string | null | undefined): boolean {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION || definition.operation !== "mutation") continue;
    if (operationName && definition.name?.value !== operationName) continue;
    for (const selection of definition.selectionSet.selections) {
      if (selection.kind === Kind.FIELD && SIGN_OUT_FIELDS.has(selection.name.value)) return true;
    }
  }
  return false;
}

/**
 * After a sign-out through this router, every remembered verdict of the viewer is dropped, so the very next request
 * with a signed-out token is checked (and refused) here without waiting for the revocation event, which still
 * reaches the other routers and closes graphql-ws connections.
 */
export function useSignOutRecheck(opts: { authenticator: Authenticator }): Plugin<RouterContext> {
  return {
    onExecute({ args }) {
      const viewer = (args.contextValue as RouterContext).viewer;
      if (!viewer || !signsOut(args.document, args.operationName)) return;
      return {
        onExecuteDone() {
          opts.authenticator.recheckUser(viewer.id);
        },
      };
    },
  };
}
