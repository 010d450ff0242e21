import { composeServices } from "@apollo/composition";
import { printSchema, Supergraph } from "@apollo/federation-internals";
import type { ASTNode, DocumentNode, GraphQLError } from "graphql";

export interface ComposedSupergraph {
  errors?: readonly GraphQLError[];
  supergraphSdl?: string;
  hints: ReadonlyArray<{ code: string; message: string; nodes?: readonly ASTNode[] }>;
}

/** Federation 2 composition of parsed subgraph schemas (@apollo/composition). */
export function composeSubgraphs(
  subgraphs: ReadonlyArray<{ name: string; url: string; typeDefs: DocumentNode }>,
): ComposedSupergraph {
  const result = composeServices([...subgraphs]);
  if (result.errors) return { errors: result.errors, hints: [] };
  return {
    supergraphSdl: result.supergraphSdl,
    hints: result.hints.map((hint) => ({ code: hint.definition.code, message: hint.message, nodes: hint.nodes ?? undefined })),
  };
}

/** The SDL of the schema clients see: the supergraph without join/link machinery and `@inaccessible` elements. */
export function apiSchemaSdl(supergraphSdl: string): string {
  return printSchema(Supergraph.build(supergraphSdl).apiSchema());
}
