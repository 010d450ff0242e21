import {
  BREAK,
  GraphQLError,
  Kind,
  visit,
  type ASTNode,
  type DocumentNode,
  type ExecutionResult,
  type ObjectFieldNode,
  type ArgumentNode,
  type VariableDefinitionNode,
} from "graphql";
import type { Plugin } from "graphql-yoga";

/**
 * Characters no text input may carry: C0 controls but tab, LF and CR (bodies have lines), DEL, C1 controls, and
 * unpaired UTF-16 surrogates (a JSON "\ud800" escape: no UTF-8 encoding exists for it). NUL alone would be reason
 * enough: Postgres text cannot store it, so a write accepted with one fails later, again and again. With the `u`
 * flag, `\p{Cs}` matches only surrogates that are not part of a pair.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const REFUSED = /[\0-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\p{Cs}]/u;

/** Whether a text input carries a character every subgraph refuses. */
export const hasRefusedCharacter = (text: string): boolean => REFUSED.test(text);

/** The error every path answers with: the same words on the lane, yoga's pipeline and graphql-ws. */
export function refusedInputError(field: string): GraphQLError {
  return new GraphQLError(`${field} must not contain control characters or unpaired surrogates`, {
    extensions: { field, code: "BAD_USER_INPUT" },
  });
}

/** Per document: the first string literal refused (its argument path), or null. Documents are reused objects. */
const literalVerdicts = new WeakMap<DocumentNode, string | null>();

/**
 * Refuses an operation whose inputs — string literals anywhere in the document (arguments, input objects, lists,
 * variable defaults) or strings anywhere in the variables — carry a refused character. Undefined lets it run.
 * `extensions.field` names the argument or variable and the path inside it (`input.resourceId`, `keys[0].resourceId`).
 */
export function refuseUnsafeInput(
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): ExecutionResult | undefined {
  let literal = literalVerdicts.get(document);
  if (literal === undefined) literalVerdicts.set(document, (literal = refusedLiteral(document)));
  const field = literal ?? (variables ? refusedVariable(variables) : undefined);
  return field === undefined || field === null ? undefined : { errors: [refusedInputError(field)] };
}

/** Runs refuseUnsafeInput before every execution and subscription of yoga's pipeline (HTTP and graphql-ws). */
export function useInputGuard(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refused = refuseUnsafeInput(args.document, args.variableValues);
      if (refused) setResultAndStopExecution(refused);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refused = refuseUnsafeInput(args.document, args.variableValues);
      if (refused) setResultAndStopExecution(refused);
    },
  };
}

/** graphql-js's visit is iterative, so a deeply nested document cannot exhaust the stack here. */
function refusedLiteral(document: DocumentNode): string | null {
  let field: string | null = null;
  visit(document, {
    StringValue(node, _key, parent, path, ancestors) {
      if (!REFUSED.test(node.value)) return undefined;
      field = literalPath(path, [...ancestors, parent!]);
      return BREAK;
    },
  });
  return field;
}

/**
 * The segments of `arg.field[2].inner`: the nearest argument or variable definition, then what is inside it.
 * `chain[i]` is the node or array that `path[i]` indexes (the visitor's ancestors, then the literal's parent).
 */
function literalPath(path: ReadonlyArray<string | number>, chain: ReadonlyArray<ASTNode | ReadonlyArray<ASTNode>>): string {
  let start = chain.length - 1;
  while (start >= 0 && !isInputRoot(chain[start]!)) start--;
  if (start < 0) return "query";
  const root = chain[start] as ArgumentNode | VariableDefinitionNode;
  const segments: Segment[] = [root.kind === Kind.ARGUMENT ? root.name.value : root.variable.name.value];
  for (let i = start + 1; i < chain.length; i++) {
    const node = chain[i]!;
    if (Array.isArray(node)) {
      if ((chain[i - 1] as ASTNode).kind === Kind.LIST) segments.push(path[i] as number);
    } else if ((node as ASTNode).kind === Kind.OBJECT_FIELD) {
      segments.push((node as ObjectFieldNode).name.value);
    }
  }
  return fieldName(segments);
}

const isInputRoot = (node: ASTNode | ReadonlyArray<ASTNode>) =>
  !Array.isArray(node) && ((node as ASTNode).kind === Kind.ARGUMENT || (node as ASTNode).kind === Kind.VARIABLE_DEFINITION);

/**
 * The path of the first refused string in the variables (a key counts as a string of its object), or undefined.
 * Breadth-first over a growing list of containers instead of recursion: hostile nesting costs memory bounded by
 * the request body, never stack. Parent indexes rebuild the path only when something is refused.
 */
function refusedVariable(variables: Readonly<Record<string, unknown>>): string | undefined {
  const containers: object[] = [variables];
  const parents: number[] = [-1];
  const keys: Segment[] = [""];
  for (let at = 0; at < containers.length; at++) {
    const container = containers[at]!;
    if (Array.isArray(container)) {
      for (let index = 0; index < container.length; index++) {
        const value: unknown = container[index];
        if (typeof value === "string") {
          if (REFUSED.test(value)) return pathOf(parents, keys, at, index);
        } else if (value !== null && typeof value === "object") {
          containers.push(value);
          parents.push(at);
          keys.push(index);
        }
      }
      continue;
    }
    // for-in allocates no key array; variables are plain JSON objects (nothing enumerable inherited).
    for (const key in container) {
      if (REFUSED.test(key)) return at === 0 ? "variables" : pathOf(parents, keys, at);
      const value: unknown = (container as Record<string, unknown>)[key];
      if (typeof value === "string") {
        if (REFUSED.test(value)) return pathOf(parents, keys, at, key);
      } else if (value !== null && typeof value === "object") {
        containers.push(value);
        parents.push(at);
        keys.push(key);
      }
    }
  }
  return undefined;
}

function pathOf(parents: number[], keys: Segment[], at: number, last?: Segment): string {
  const segments: Segment[] = last === undefined ? [] : [last];
  for (let i = at; i > 0; i = parents[i]!) segments.push(keys[i]!);
  return fieldName(segments.reverse());
}

type Segment = string | number;

/** Errors echo at most this much of a path: hostile nesting or long keys must not make the answer large. */
const MAX_SEGMENTS = 16;
const MAX_KEY_LENGTH = 64;

/** `input.keys[0].resourceId`, graphql-js's notation for input paths, bounded. */
function fieldName(segments: Segment[]): string {
  let field = "";
  for (const [index, segment] of segments.entries()) {
    if (index === MAX_SEGMENTS) return `${field}…`;
    if (typeof segment === "number") field += `[${segment}]`;
    else {
      const key = segment.length > MAX_KEY_LENGTH ? `${Array.from(segment).slice(0, MAX_KEY_LENGTH).join("")}…` : segment;
      field += index === 0 ? key : `.${key}`;
    }
  }
  return field;
}
