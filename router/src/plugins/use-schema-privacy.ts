import { GraphQLError, NoSchemaIntrospectionCustomRule } from "graphql";
import type { Plugin } from "graphql-yoga";

export interface SchemaPrivacyOptions {
  /** `__schema` / `__type` queries (off in production unless enabled). `__typename` always works. */
  introspection: boolean;
  /** "Did you mean …?" hints in errors, which spell out the schema to whoever probes it (off in production). */
  fieldSuggestions: boolean;
}

const SUGGESTION = / ?Did you mean [^?]*\?/g;

/** The error without graphql-js's "Did you mean …?" hint (the same error when it has none). */
export function withoutSuggestions(error: GraphQLError): GraphQLError {
  if (!error.message.includes("Did you mean")) return error;
  return new GraphQLError(error.message.replace(SUGGESTION, ""), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

/**
 * Keeps the schema private where it should be: introspection refused by a validation rule (so every transport and
 * lane refuses it the same way), and suggestions taken out of validation errors. Errors raised while executing
 * (variable coercion) lose their suggestions in the router's error masking.
 */
export function useSchemaPrivacy(options: SchemaPrivacyOptions): Plugin {
  return {
    onValidate({ addValidationRule }) {
      if (!options.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
      if (options.fieldSuggestions) return;
      return ({ valid, result, setResult }) => {
        if (!valid) setResult(result.map((error) => (error instanceof GraphQLError ? withoutSuggestions(error) : error)));
      };
    },
  };
}
