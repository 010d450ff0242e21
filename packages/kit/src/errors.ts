import { GraphQLError } from "graphql";
import { PlazaError } from "./domain-errors.ts";

export * from "./domain-errors.ts";

function fromPlazaError(err: PlazaError, at?: GraphQLError): GraphQLError {
  return new GraphQLError(err.message, { nodes: at?.nodes, path: at?.path, extensions: { ...err.extensions, code: err.code } });
}

/**
 * The one mapping from thrown values to client-facing GraphQL errors (yoga's `maskedErrors.maskError`).
 * Domain errors keep their code and message; errors graphql-js/yoga raise themselves (parse, validation,
 * variable coercion) and GraphQLErrors thrown on purpose pass through; anything else is masked.
 */
export function maskError(error: unknown, message: string): GraphQLError {
  if (error instanceof PlazaError) return fromPlazaError(error);
  if (error instanceof GraphQLError) {
    const original = error.originalError;
    if (original instanceof PlazaError) return fromPlazaError(original, error);
    if (!original || original instanceof GraphQLError) return error;
  }
  const at = error instanceof GraphQLError ? error : undefined;
  return new GraphQLError(message, { nodes: at?.nodes, path: at?.path, extensions: { code: "INTERNAL_SERVER_ERROR" } });
}

/** Whether maskError would hide this error from the client as INTERNAL_SERVER_ERROR (a bug or an outage, not input). */
export function isUnexpectedError(error: unknown): boolean {
  if (error instanceof PlazaError) return false;
  if (!(error instanceof GraphQLError)) return true;
  const original = error.originalError;
  return original !== undefined && !(original instanceof PlazaError) && !(original instanceof GraphQLError);
}
