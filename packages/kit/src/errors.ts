import { GraphQLError } from "graphql";

export const ERROR_CODES = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "CONFLICT",
  "RATE_LIMITED",
  "IDEMPOTENCY_KEY_REUSED",
  "PERSISTED_QUERY_NOT_FOUND",
  "INTERNAL_SERVER_ERROR",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A domain error with a stable public code; anything else is masked as INTERNAL_SERVER_ERROR. */
export class PlazaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "PlazaError";
  }
}

export const badUserInput = (field: string, message: string) => new PlazaError("BAD_USER_INPUT", message, { field });
export const unauthenticated = (message = "Authentication required") => new PlazaError("UNAUTHENTICATED", message);
export const forbidden = (message = "Not allowed") => new PlazaError("FORBIDDEN", message);
export const notFound = (message: string) => new PlazaError("NOT_FOUND", message);
export const conflict = (message: string, extensions: Record<string, unknown> = {}) =>
  new PlazaError("CONFLICT", message, extensions);
/** Too many calls: `extensions.retryAfterSeconds` (whole seconds, at least 1) says when the same call may pass. */
export const rateLimited = (message: string, retryAfterMs: number, extensions: Record<string, unknown> = {}) =>
  new PlazaError("RATE_LIMITED", message, { ...extensions, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) });

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
