import {
  buildSchema,
  findBreakingChanges,
  findDangerousChanges,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  type GraphQLSchema,
} from "graphql";
import { apiSchemaSdl } from "../engine/apollo-composition.ts";

export interface SchemaChange {
  /** graphql-js change type (FIELD_REMOVED, ARG_CHANGED_KIND, …) or TYPE_ADDED / FIELD_ADDED for safe ones. */
  type: string;
  description: string;
}

export interface ApiSchemaDiff {
  /** Break existing clients: removed or retyped fields, arguments made required, removed enum values/types, … */
  breaking: SchemaChange[];
  /** Can change behaviour for existing clients: new enum values, changed defaults, new optional arguments, … */
  dangerous: SchemaChange[];
  /** Purely additive: new types and fields. */
  safe: SchemaChange[];
}

/**
 * The schema clients see: the supergraph without federation's join/link machinery and @inaccessible elements.
 * Rebuilt from its SDL with this module's own graphql-js, so the diff never mixes schema objects from two
 * graphql-js instances (federation-internals loads the CommonJS build; test runners may hand us the ESM one).
 */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return buildSchema(apiSchemaSdl(supergraphSdl));
}

function findAdditions(before: GraphQLSchema, after: GraphQLSchema): SchemaChange[] {
  const additions: SchemaChange[] = [];
  const oldTypes = before.getTypeMap();
  for (const [name, type] of Object.entries(after.getTypeMap())) {
    if (name.startsWith("__")) continue;
    const old = oldTypes[name];
    if (!old) {
      additions.push({ type: "TYPE_ADDED", description: `${name} was added.` });
      continue;
    }
    const hasFields = (t: unknown) => isObjectType(t) || isInterfaceType(t) || isInputObjectType(t);
    if (!hasFields(type) || !hasFields(old) || old.constructor !== type.constructor) continue;
    const oldFields = (old as { getFields(): Record<string, unknown> }).getFields();
    for (const field of Object.keys((type as { getFields(): Record<string, unknown> }).getFields())) {
      // Input fields appear in graphql-js' lists already (required: breaking, optional: dangerous).
      if (!(field in oldFields) && !isInputObjectType(type))
        additions.push({ type: "FIELD_ADDED", description: `${name}.${field} was added.` });
    }
  }
  return additions;
}

export function diffApiSchemas(before: GraphQLSchema, after: GraphQLSchema): ApiSchemaDiff {
  return {
    breaking: findBreakingChanges(before, after).map(({ type, description }) => ({ type, description })),
    dangerous: findDangerousChanges(before, after).map(({ type, description }) => ({ type, description })),
    safe: findAdditions(before, after),
  };
}

/** Changes clients of `before` would experience if `after` were served. */
export function diffSupergraphs(beforeSdl: string, afterSdl: string): ApiSchemaDiff {
  return diffApiSchemas(apiSchemaOf(beforeSdl), apiSchemaOf(afterSdl));
}
