import type { GraphQLFormattedError } from "graphql";
import type { SubgraphRequest, SubgraphResponse } from "../engine/federation-engine.ts";

/** An entity fetch with each distinct representation sent once, and how to give the answers back to every copy. */
export interface DedupedRepresentations {
  /** The request with distinct representations only. */
  request: SubgraphRequest;
  /** Representations the planner asked for. */
  total: number;
  /** Representations sent. */
  unique: number;
  /**
   * The response as the original request would have had it: `_entities[i]` for every original position (each
   * copy its own object), and each error on an entity repeated at every position that entity stands for.
   * Undefined when the subgraph's answer does not match what was sent (the caller then sends the original request).
   */
  expand(response: SubgraphResponse): SubgraphResponse | undefined;
}

/**
 * Query planners collect one representation per place an entity appears: a product reviewed by ten users is sent
 * ten times in one `_entities` fetch. The subgraph's answer for a representation depends on the representation
 * alone, so sending each distinct one once and copying its answer is invisible to the gateway, and cuts request and
 * response bytes and the subgraph's work. Undefined when the request has no `representations` or none repeats.
 */
export function dedupeRepresentations(request: SubgraphRequest): DedupedRepresentations | undefined {
  const representations = request.variables?.representations;
  if (!Array.isArray(representations) || representations.length < 2) return undefined;
  const positionByKey = new Map<string, number>();
  const unique: unknown[] = [];
  const uniqueOf = new Array<number>(representations.length);
  for (let i = 0; i < representations.length; i++) {
    const key = JSON.stringify(representations[i]);
    let position = positionByKey.get(key);
    if (position === undefined) {
      position = unique.length;
      positionByKey.set(key, position);
      unique.push(representations[i]);
    }
    uniqueOf[i] = position;
  }
  if (unique.length === representations.length) return undefined;
  return {
    request: { ...request, variables: { ...request.variables, representations: unique } },
    total: representations.length,
    unique: unique.length,
    expand: (response) => expand(response, uniqueOf, unique.length),
  };
}

function expand(response: SubgraphResponse, uniqueOf: readonly number[], sent: number): SubgraphResponse | undefined {
  const entities = response.data?._entities;
  let data = response.data;
  if (entities !== undefined && entities !== null) {
    if (!Array.isArray(entities) || entities.length !== sent) return undefined;
    const given = new Array<boolean>(sent).fill(false);
    const copies = uniqueOf.map((position) => {
      const entity: unknown = entities[position];
      if (!given[position]) {
        given[position] = true;
        return entity;
      }
      // Every position gets an object of its own: the gateway merges later fetches into each place separately.
      return copyJson(entity);
    });
    data = { ...response.data, _entities: copies };
  }
  return { ...response, data, errors: response.errors && expandErrors(response.errors, uniqueOf) };
}

/** An error at `_entities[u]…` is repeated for every original position of entity u, in position order. */
function expandErrors(errors: readonly GraphQLFormattedError[], uniqueOf: readonly number[]): GraphQLFormattedError[] {
  const positionsOf = new Map<number, number[]>();
  uniqueOf.forEach((position, original) => {
    const list = positionsOf.get(position);
    if (list) list.push(original);
    else positionsOf.set(position, [original]);
  });
  const placed: Array<{ order: number; error: GraphQLFormattedError }> = [];
  errors.forEach((error, index) => {
    const [root, position, ...rest] = error.path ?? [];
    const originals = root === "_entities" && typeof position === "number" ? positionsOf.get(position) : undefined;
    // Errors about the whole fetch keep their place (before entity errors at the same index).
    if (!originals) return void placed.push({ order: index, error });
    for (const original of originals)
      placed.push({ order: errors.length + original, error: { ...error, path: ["_entities", original, ...rest] } });
  });
  return placed.sort((a, b) => a.order - b.order).map((p) => p.error);
}

/** A deep copy of parsed JSON (objects, arrays, primitives): several times cheaper than structuredClone. */
function copyJson(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(copyJson);
  const copy: Record<string, unknown> = {};
  for (const key in value) copy[key] = copyJson((value as Record<string, unknown>)[key]);
  return copy;
}
