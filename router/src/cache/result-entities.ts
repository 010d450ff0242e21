import {
  getNamedType,
  getOperationAST,
  isAbstractType,
  isCompositeType,
  isObjectType,
  BREAK,
  Kind,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from "graphql";
import { collectFields, collectSubfields } from "graphql/execution/collectFields.js";
import { getVariableValues } from "graphql/execution/values.js";
import {
  anyEntityTag,
  entityTag,
  invalidationTags,
  unidentifiedTag,
  type EntityRef,
  type ResponseCachePolicy,
} from "./cache-policy.ts";

/** The entities one result holds, read from the result as the client's own operation selected it. */
export interface ResultEntities {
  /** Entities whose id the result shows (`Type:id`). */
  identified: EntityRef[];
  /** Entity types present in the result without a usable id (the client did not select it, or it was null). */
  unidentified: Set<string>;
  /** Entity types found absent: a null field or an empty list of that type. */
  absent: Set<string>;
  /** The shortest TTL the policy names for a type found in the result (undefined: none named). */
  ttlMs?: number;
  /** A type the policy calls private was found (possible behind interfaces and unions). */
  private: boolean;
}

export interface CollectInput {
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: Readonly<Record<string, unknown>> | null;
  data: Record<string, unknown>;
  /** Root fields whose unidentified entities are not reported (a policy rule says what they change). */
  ignoreUnidentifiedUnder?: ReadonlySet<string>;
}

export interface ResultEntityCollector {
  /** Object types that have one of the policy's id fields: the types results are tagged with. */
  readonly entityTypes: ReadonlySet<string>;
  collect(input: CollectInput): ResultEntities;
}

/** How one (runtime type, field nodes) pair selects: the fields, and where the id and `__typename` are. */
interface SelectionPlan {
  fields: Map<string, readonly FieldNode[]>;
  idKey?: string;
  typenameKey?: string;
}

/**
 * Reads entity tags from a result without changing the operation that produced it: the response cache used to add
 * `__typename` and id selections to every document before planning, which the query planner cannot always satisfy
 * (Node-style interfaces, `@interfaceObject`, nullable keys). Instead the result is walked with the client's own
 * selections — graphql-js's field collection, so fragments, aliases and `@skip`/`@include` read as in execution —
 * and an entity whose id the client did not select is reported as unidentified, which the cache tags coarsely
 * (invalidated by any change to its type) rather than not at all.
 */
export function createResultEntityCollector(schema: GraphQLSchema, policy: ResponseCachePolicy): ResultEntityCollector {
  const privateTypes = new Set(policy.private.filter((coordinate) => !coordinate.includes(".")));
  const idFieldOf = new Map<string, string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    const idField = policy.idFields.find((field) => field in type.getFields());
    if (idField) idFieldOf.set(type.name, idField);
  }
  const entityTypes: ReadonlySet<string> = new Set(idFieldOf.keys());
  const ttlOf = (typename: string): number | undefined => policy.ttl[typename];

  function collect(input: CollectInput): ResultEntities {
    const found: ResultEntities = { identified: [], unidentified: new Set(), absent: new Set(), private: false };
    const operation = getOperationAST(input.document, input.operationName ?? undefined);
    const rootType = operation && schema.getRootType(operation.operation);
    if (!operation || !rootType) return found;
    const fragments: Record<string, FragmentDefinitionNode> = Object.create(null) as Record<string, FragmentDefinitionNode>;
    for (const definition of input.document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    }
    // Field collection reads variables only for @skip/@include: coerce them (again) only for documents that use those.
    let variables: Record<string, unknown> = {};
    if (usesConditions(input.document)) {
      const coerced = getVariableValues(
        schema,
        operation.variableDefinitions ?? [],
        (input.variableValues ?? {}) as Record<string, unknown>,
      );
      // Variables that do not coerce failed execution: there is no data to read.
      if (coerced.errors) return found;
      variables = coerced.coerced;
    }
    const seen = new Set<string>();
    const plans = new WeakMap<readonly FieldNode[], Map<string, SelectionPlan>>();

    const considerTtl = (typename: string) => {
      const ttl = ttlOf(typename);
      if (ttl !== undefined && (found.ttlMs === undefined || ttl < found.ttlMs)) found.ttlMs = ttl;
    };

    function planFor(type: GraphQLObjectType, fields: Map<string, readonly FieldNode[]>): SelectionPlan {
      const plan: SelectionPlan = { fields };
      const idField = idFieldOf.get(type.name);
      for (const [key, nodes] of fields) {
        const name = nodes[0]!.name.value;
        if (name === "__typename") plan.typenameKey ??= key;
        else if (name === idField) plan.idKey ??= key;
      }
      return plan;
    }

    function planOf(type: GraphQLObjectType, nodes: readonly FieldNode[]): SelectionPlan {
      let byType = plans.get(nodes);
      if (!byType) plans.set(nodes, (byType = new Map()));
      let plan = byType.get(type.name);
      if (!plan) {
        plan = planFor(type, collectSubfields(schema, fragments, variables, type, nodes));
        byType.set(type.name, plan);
      }
      return plan;
    }

    function markAbsent(type: GraphQLCompositeType) {
      const types = isAbstractType(type) ? schema.getPossibleTypes(type) : [type];
      for (const possible of types) {
        considerTtl(possible.name);
        if (entityTypes.has(possible.name)) found.absent.add(possible.name);
      }
    }

    function visitField(value: unknown, field: GraphQLField<unknown, unknown>, nodes: readonly FieldNode[], quiet: boolean) {
      const type = getNamedType(field.type);
      if (!isCompositeType(type)) return;
      if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) {
        markAbsent(type);
        return;
      }
      visitValue(value, type, nodes, quiet);
    }

    function visitValue(value: unknown, type: GraphQLCompositeType, nodes: readonly FieldNode[], quiet: boolean) {
      if (Array.isArray(value)) {
        for (const item of value) visitValue(item, type, nodes, quiet);
        return;
      }
      if (value === null || typeof value !== "object") return;
      const object = value as Record<string, unknown>;
      const candidates = isAbstractType(type) ? schema.getPossibleTypes(type) : [type as GraphQLObjectType];
      let runtime: readonly GraphQLObjectType[] = candidates;
      if (candidates.length > 1) {
        // The client's own `__typename` (under any alias) names the runtime type; without it, every possible type.
        const named = candidates.find((candidate) => {
          const key = planOf(candidate, nodes).typenameKey;
          return key !== undefined && object[key] === candidate.name;
        });
        if (named) runtime = [named];
      }
      for (const objectType of runtime) visitObject(object, objectType, planOf(objectType, nodes), quiet);
    }

    function visitObject(object: Record<string, unknown>, type: GraphQLObjectType, plan: SelectionPlan, quiet: boolean) {
      considerTtl(type.name);
      if (privateTypes.has(type.name)) found.private = true;
      if (entityTypes.has(type.name)) {
        const id = plan.idKey === undefined ? undefined : object[plan.idKey];
        if (typeof id === "string" || typeof id === "number") {
          const tag = `${type.name}:${id}`;
          if (!seen.has(tag)) {
            seen.add(tag);
            found.identified.push({ typename: type.name, id });
          }
        } else if (!quiet) {
          found.unidentified.add(type.name);
        }
      }
      const definitions = type.getFields();
      for (const [key, nodes] of plan.fields) {
        const field = definitions[nodes[0]!.name.value];
        if (field && Object.hasOwn(object, key)) visitField(object[key], field, nodes, quiet);
      }
    }

    const rootFields = collectFields(schema, fragments, variables, rootType, operation.selectionSet);
    const definitions = rootType.getFields();
    for (const [key, nodes] of rootFields) {
      const field = definitions[nodes[0]!.name.value];
      if (!field || !Object.hasOwn(input.data, key)) continue;
      const quiet = input.ignoreUnidentifiedUnder?.has(field.name) ?? false;
      visitField(input.data[key], field, nodes, quiet);
    }
    return found;
  }

  return { entityTypes, collect };
}

const conditional = new WeakMap<DocumentNode, boolean>();

/** Whether a document has `@skip` or `@include` anywhere (remembered per document object). */
function usesConditions(document: DocumentNode): boolean {
  let found = conditional.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      Directive(node) {
        if (node.name.value === "skip" || node.name.value === "include") {
          found = true;
          return BREAK;
        }
        return undefined;
      },
    });
    conditional.set(document, found);
  }
  return found;
}

/** The tags a stored result carries (spellings in cache-policy.ts). */
export function resultTags(found: ResultEntities): string[] {
  const tags = new Set<string>();
  for (const ref of found.identified) {
    tags.add(entityTag(ref));
    tags.add(anyEntityTag(ref.typename));
  }
  for (const typename of found.unidentified) {
    tags.add(unidentifiedTag(typename));
    tags.add(anyEntityTag(typename));
  }
  for (const typename of found.absent) tags.add(entityTag({ typename }));
  return [...tags];
}

/** The tags a mutation's result invalidates: its entities and absent markers, and every result holding a type it did not identify. */
export function mutationTags(found: ResultEntities): string[] {
  const absent = [...found.absent].map((typename): EntityRef => ({ typename }));
  return [...new Set([...invalidationTags([...found.identified, ...absent]), ...[...found.unidentified].map(anyEntityTag)])];
}
