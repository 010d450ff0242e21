import {
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";

/** One level of a fields-only selection: each response key once, with its API-schema type. */
interface ShapeField {
  key: string;
  /** `__typename` (the gateway answers it from the API schema); otherwise the field's type and sub-selection. */
  typename?: true;
  type?: GraphQLOutputType;
  sub?: DirectShape;
}

export interface DirectShape {
  fields: ShapeField[];
}

const BUILT_IN_SCALARS = new Set(["Int", "Float", "String", "Boolean", "ID"]);
const INTEGER_TEXT = /^-?(?:0|[1-9][0-9]*)$/;

/**
 * The shape of an operation whose subgraph data the gateway's result shaping (`computeResponse` in @apollo/gateway)
 * would return unchanged when the data conforms to it: fields only (no fragments, no directives, each response key
 * once) over object types of the API schema (no interface or union, whose runtime types the gateway resolves).
 * Null when the operation is not that simple; such operations always go through the gateway.
 */
export function directShapeOf(
  schema: GraphQLSchema,
  type: GraphQLObjectType,
  selectionSet: SelectionSetNode,
): DirectShape | null {
  const fields: ShapeField[] = [];
  const keys = new Set<string>();
  for (const selection of selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.directives?.length) return null;
    const key = selection.alias?.value ?? selection.name.value;
    if (keys.has(key)) return null;
    keys.add(key);
    if (selection.name.value === "__typename") {
      fields.push({ key, typename: true });
      continue;
    }
    const definition = type.getFields()[selection.name.value];
    if (!definition) return null;
    let named: GraphQLOutputType = definition.type;
    while (isNonNullType(named) || isListType(named)) named = named.ofType;
    if (isObjectType(named)) {
      if (!selection.selectionSet) return null;
      const sub = directShapeOf(schema, named, selection.selectionSet);
      if (!sub) return null;
      fields.push({ key, type: definition.type, sub });
    } else if ((isScalarType(named) || isEnumType(named)) && !selection.selectionSet) {
      fields.push({ key, type: definition.type });
    } else {
      return null;
    }
  }
  return { fields };
}

/**
 * Whether the gateway's result shaping would return `data` exactly as it is for this shape: every selected key
 * present and no other, no null where the API schema says non-null, `__typename`s naming object types of the API
 * schema, and leaf values the gateway accepts (enum values the API schema has — not `@inaccessible` ones —, built-in
 * scalars of the right JSON type). Anything else is answered by the gateway, with its nulls and errors.
 */
export function conformsToShape(schema: GraphQLSchema, data: Record<string, unknown>, shape: DirectShape): boolean {
  return conformsObject(schema, data, shape);
}

function conformsObject(schema: GraphQLSchema, object: Record<string, unknown>, shape: DirectShape): boolean {
  if (Object.keys(object).length !== shape.fields.length) return false;
  for (const field of shape.fields) {
    if (!Object.hasOwn(object, field.key)) return false;
    const value = object[field.key];
    if (field.typename) {
      if (typeof value !== "string" || !isObjectType(schema.getType(value))) return false;
    } else if (!conforms(schema, value, field.type!, field.sub)) {
      return false;
    }
  }
  return true;
}

function conforms(schema: GraphQLSchema, value: unknown, type: GraphQLOutputType, sub: DirectShape | undefined): boolean {
  if (isNonNullType(type)) {
    if (value === null) return false;
    type = type.ofType;
  } else if (value === null) {
    return true;
  }
  if (value === undefined) return false;
  if (isListType(type)) {
    if (!Array.isArray(value)) return false;
    for (const item of value) if (!conforms(schema, item, type.ofType, sub)) return false;
    return true;
  }
  if (isObjectType(type)) {
    return typeof value === "object" && !Array.isArray(value) && conformsObject(schema, value as Record<string, unknown>, sub!);
  }
  if (isEnumType(type)) return typeof value === "string" && type.getValue(value) !== undefined;
  if (isScalarType(type)) return isValidScalar(type.name, value);
  return false;
}

/** @apollo/federation-internals' isValidLeafValue for scalars: custom scalars take anything. */
function isValidScalar(name: string, value: unknown): boolean {
  if (!BUILT_IN_SCALARS.has(name)) return true;
  if (typeof value === "boolean") return name === "Boolean";
  if (typeof value === "number" && Number.isFinite(value)) {
    if (name === "Int" || name === "ID") return INTEGER_TEXT.test(String(value));
    return name === "Float";
  }
  if (typeof value === "string") return name === "String" || name === "ID";
  return false;
}
