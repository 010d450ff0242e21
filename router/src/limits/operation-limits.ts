import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  GraphQLError,
  type ASTNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";

/** Limits on one operation, each checked before any subgraph is called. 0 turns a limit off. */
export interface OperationLimits {
  /** Lexical tokens of the document (the parser stops at the limit, so a huge document costs little to refuse). */
  maxTokens: number;
  /** Nested field selections (fragments expanded; `__typename` does not count). */
  maxDepth: number;
  /** Aliased fields, counted as the operation expands them (a fragment used twice counts twice). */
  maxAliases: number;
  /** Fields selected at the root of the operation. */
  maxRootFields: number;
  /** Directives used, counted as the operation expands them. */
  maxDirectives: number;
  /** Estimated cost: every field costs 1, a list multiplies what is selected under it by its size (see costOf). */
  maxCost: number;
  /** Size assumed for a list whose size no argument gives. */
  defaultListSize: number;
}

export const DEFAULT_OPERATION_LIMITS: OperationLimits = {
  maxTokens: 5_000,
  maxDepth: 15,
  maxAliases: 30,
  maxRootFields: 20,
  maxDirectives: 50,
  maxCost: 10_000,
  defaultListSize: 10,
};

/** Codes as Apollo Router names them, so clients and dashboards built for it read Plaza's the same way. */
export const LIMIT_CODES = {
  depth: "MAX_DEPTH_LIMIT",
  aliases: "MAX_ALIASES_LIMIT",
  rootFields: "MAX_ROOT_FIELDS_LIMIT",
  directives: "MAX_DIRECTIVES_LIMIT",
  tokens: "MAX_TOKENS_LIMIT",
  cost: "COST_ESTIMATED_TOO_EXPENSIVE",
} as const;

export function limitError(code: (typeof LIMIT_CODES)[keyof typeof LIMIT_CODES], message: string, nodes?: ASTNode[]) {
  return new GraphQLError(message, { nodes, extensions: { code } });
}

/** Integer arguments that give the size of the list a field returns (Relay and common pagination spellings). */
const SLICING_ARGUMENTS = new Set(["first", "last", "limit", "take", "pageSize"]);

interface Shape {
  depth: number;
  aliases: number;
  directives: number;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  return fragments;
}

/**
 * Depth, aliases and directives of every operation in the document, fragments expanded. Each fragment is measured
 * once (memoized), so fragments spread many times over several levels cannot make this walk exponential; counts
 * multiply as the operation would expand them. Fragment cycles are invalid and caught by validation; here a spread
 * of a fragment being measured counts as empty.
 */
export function checkShape(document: DocumentNode, limits: OperationLimits): GraphQLError[] {
  const fragments = fragmentsOf(document);
  const measured = new Map<string, Shape>();
  const measuring = new Set<string>();

  function measureFragment(name: string): Shape {
    const known = measured.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment || measuring.has(name)) return { depth: 0, aliases: 0, directives: 0 };
    measuring.add(name);
    const shape = measureSelections(fragment.selectionSet);
    shape.directives += fragment.directives?.length ?? 0;
    measuring.delete(name);
    measured.set(name, shape);
    return shape;
  }

  function measureSelections(selectionSet: SelectionSetNode): Shape {
    const shape: Shape = { depth: 0, aliases: 0, directives: 0 };
    for (const selection of selectionSet.selections) {
      shape.directives += selection.directives?.length ?? 0;
      let inner: Shape;
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) shape.aliases++;
        const below = selection.selectionSet ? measureSelections(selection.selectionSet) : undefined;
        const counts = selection.name.value === "__typename" ? 0 : 1;
        inner = { depth: counts + (below?.depth ?? 0), aliases: below?.aliases ?? 0, directives: below?.directives ?? 0 };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = measureSelections(selection.selectionSet);
      } else {
        inner = measureFragment(selection.name.value);
      }
      shape.depth = Math.max(shape.depth, inner.depth);
      shape.aliases += inner.aliases;
      shape.directives += inner.directives;
    }
    return shape;
  }

  const errors: GraphQLError[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const name = definition.name ? ` ${definition.name.value}` : "";
    const shape = measureSelections(definition.selectionSet);
    shape.directives += definition.directives?.length ?? 0;
    const rootFields = countRootFields(definition, fragments);
    if (limits.maxDepth > 0 && shape.depth > limits.maxDepth)
      errors.push(
        limitError(LIMIT_CODES.depth, `Operation${name} is nested ${shape.depth} levels deep; the limit is ${limits.maxDepth}`, [
          definition,
        ]),
      );
    if (limits.maxAliases > 0 && shape.aliases > limits.maxAliases)
      errors.push(
        limitError(LIMIT_CODES.aliases, `Operation${name} uses ${shape.aliases} aliases; the limit is ${limits.maxAliases}`, [
          definition,
        ]),
      );
    if (limits.maxRootFields > 0 && rootFields > limits.maxRootFields)
      errors.push(
        limitError(
          LIMIT_CODES.rootFields,
          `Operation${name} selects ${rootFields} root fields; the limit is ${limits.maxRootFields}`,
          [definition],
        ),
      );
    if (limits.maxDirectives > 0 && shape.directives > limits.maxDirectives)
      errors.push(
        limitError(
          LIMIT_CODES.directives,
          `Operation${name} uses ${shape.directives} directives; the limit is ${limits.maxDirectives}`,
          [definition],
        ),
      );
  }
  return errors;
}

/** Root fields as executed: fields of the root selection set and of fragments spread into it. */
function countRootFields(operation: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>): number {
  let count = 0;
  const seen = new Set<string>();
  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) count += selection.name.value === "__typename" ? 0 : 1;
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(operation.selectionSet);
  return count;
}

/** The value an argument has in this execution: a literal, a variable's value or default, or the schema default. */
function argumentValue(
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  name: string,
  variables: Record<string, unknown>,
  variableDefaults: Map<string, ValueNode>,
): unknown {
  const argument = node.arguments?.find((arg) => arg.name.value === name);
  if (!argument) return field.args.find((arg) => arg.name === name)?.defaultValue;
  return literalValue(argument.value, variables, variableDefaults);
}

function literalValue(value: ValueNode, variables: Record<string, unknown>, defaults: Map<string, ValueNode>): unknown {
  switch (value.kind) {
    case Kind.VARIABLE: {
      const name = value.name.value;
      if (name in variables) return variables[name];
      const fallback = defaults.get(name);
      return fallback ? literalValue(fallback, variables, defaults) : undefined;
    }
    case Kind.INT:
      return Number(value.value);
    case Kind.LIST:
      return value.values;
    default:
      return undefined;
  }
}

/**
 * The estimated cost of the operation: each field costs 1 plus what is selected under it, multiplied by the size of
 * the list it returns. A list's size is its slicing argument (`first`, `last`, `limit`, …) or the length of a list
 * argument (`keys`, `ids`); a Relay connection's slicing argument sizes the list fields right under it (`edges`,
 * `nodes`); any other list counts `defaultListSize`. Abstract selections add up every type condition (an upper
 * bound). Variables are the ones given, so `first: $n` costs what `$n` asks for.
 */
export function costOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
  limits: OperationLimits,
): number {
  const fragments = fragmentsOf(document);
  const vars = variables ?? {};
  const defaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? [])
    if (definition.defaultValue) defaults.set(definition.variable.name.value, definition.defaultValue);
  const memo = new Map<string, number>();
  const active = new Set<string>();

  const rootType =
    operation.operation === "query"
      ? schema.getQueryType()
      : operation.operation === "mutation"
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!rootType) return 0;

  function sizeOf(
    field: GraphQLField<unknown, unknown>,
    node: FieldNode,
    parentSliced: boolean,
  ): { size: number; sliced: boolean } {
    for (const arg of field.args) {
      if (!SLICING_ARGUMENTS.has(arg.name)) continue;
      const value = argumentValue(field, node, arg.name, vars, defaults);
      if (typeof value === "number" && Number.isFinite(value)) return { size: Math.max(0, value), sliced: true };
    }
    if (!isListType(getNullableType(field.type))) return { size: 1, sliced: false };
    for (const arg of field.args) {
      if (!isListType(getNullableType(arg.type))) continue;
      const value = argumentValue(field, node, arg.name, vars, defaults);
      if (Array.isArray(value)) return { size: value.length, sliced: true };
    }
    return { size: parentSliced ? 1 : limits.defaultListSize, sliced: false };
  }

  function selectionsCost(selectionSet: SelectionSetNode, type: GraphQLCompositeType, parentSliced: boolean): number {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith("__")) continue;
        const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[selection.name.value] : undefined;
        if (!field) continue;
        const { size, sliced } = sizeOf(field, selection, parentSliced);
        const named = getNamedType(field.type);
        const below =
          selection.selectionSet && isCompositeType(named) ? selectionsCost(selection.selectionSet, named, sliced) : 0;
        total += 1 + size * below;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (condition && isCompositeType(condition)) total += selectionsCost(selection.selectionSet, condition, parentSliced);
      } else {
        total += fragmentCost(selection.name.value, parentSliced);
      }
    }
    return total;
  }

  function fragmentCost(name: string, parentSliced: boolean): number {
    const key = `${name}|${parentSliced}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    const condition = fragment && schema.getType(fragment.typeCondition.name.value);
    if (!fragment || !condition || !isCompositeType(condition) || active.has(key)) return 0;
    active.add(key);
    const cost = selectionsCost(fragment.selectionSet, condition, parentSliced);
    active.delete(key);
    memo.set(key, cost);
    return cost;
  }

  return selectionsCost(operation.selectionSet, rootType, false);
}
