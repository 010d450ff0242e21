import { isInterfaceType, isObjectType, type GraphQLSchema } from "graphql";

/** PUBLIC results are shared by every caller; PRIVATE results are cached per viewer and never for anonymous callers. */
export type CacheScope = "PUBLIC" | "PRIVATE";

/** An entity (`User` + id) or, without an id, "a `User` was absent or a list of them empty here". */
export interface EntityRef {
  typename: string;
  id?: string | number;
}

export interface MutationInvalidationInput {
  /** The root field's arguments, coerced against the schema. */
  args: Record<string, unknown>;
  viewerId: string | null;
}

/**
 * What may be cached, for how long and for whom. Coordinates are `Type` or `Type.field` of the supergraph's API
 * schema. Anything not named here is PUBLIC (unless `defaultScope` says otherwise) with `defaultTtlMs`.
 */
export interface ResponseCachePolicy {
  /** TTL of a cacheable result when no coordinate it touches names a shorter one. Bounds staleness if Kafka is down. */
  defaultTtlMs: number;
  /** Coordinate → TTL in ms; the smallest among the coordinates a result touches wins. 0 = never cached. */
  ttl: Readonly<Record<string, number>>;
  /** Coordinates whose value depends on the viewer: results touching them are cached per viewer only. */
  private: readonly string[];
  /**
   * Scope of coordinates `private` does not name (PRIVATE for supergraphs nobody has reviewed). `AUTO`: PUBLIC when
   * the schema has every coordinate `private` names (the supergraph the policy was written for), else PRIVATE.
   */
  defaultScope: CacheScope | "AUTO";
  /** Fields that identify an entity; the response is tagged `Type:<value>` for each entity it contains. */
  idFields: readonly string[];
  /**
   * Entities a mutation root field changes beyond those in its own result (e.g. `follow` changes the viewer's
   * followingCount). Invalidated on this router as soon as the mutation completes; other routers learn it from the
   * domain event.
   */
  mutations: Readonly<Record<string, (input: MutationInvalidationInput) => EntityRef[]>>;
}

/** The scope of what a policy does not name, for this schema (resolves `AUTO`). */
export function defaultScopeFor(policy: ResponseCachePolicy, schema: GraphQLSchema): CacheScope {
  if (policy.defaultScope !== "AUTO") return policy.defaultScope;
  return policy.private.every((coordinate) => coordinateExists(schema, coordinate)) ? "PUBLIC" : "PRIVATE";
}

function coordinateExists(schema: GraphQLSchema, coordinate: string): boolean {
  const [typeName, fieldName] = coordinate.split(".");
  const type = schema.getType(typeName!);
  if (!type) return false;
  if (fieldName === undefined) return true;
  return (isObjectType(type) || isInterfaceType(type)) && fieldName in type.getFields();
}

/** `User:42`, or `User` alone for "absent/empty" markers. The one spelling used by both cache levels. */
export function entityTag(ref: EntityRef): string {
  return ref.id === undefined || ref.id === null ? ref.typename : `${ref.typename}:${ref.id}`;
}

/** Carried by every result holding a `User`, identified or not: evicted when a change names no id (`User#any`). */
export const anyEntityTag = (typename: string): string => `${typename}#any`;

/** Carried by results holding a `User` whose id they do not show: any `User` change may concern them. */
export const unidentifiedTag = (typename: string): string => `${typename}#unidentified`;

/**
 * Results with an unidentified entity stay in the router's first level, and these tags never reach Redis: each
 * router applies every change it learns of (its mutations, the domain events it consumes) to its own first level,
 * so Redis is spared a tag per type on every invalidation of a hot entity.
 */
export const isLocalOnlyTag = (tag: string): boolean => tag.endsWith("#unidentified");

/**
 * What invalidating these entities evicts: each entity, and results holding an entity of its type they cannot
 * identify; an absent marker (`User` without id) evicts the results where a `User` was absent. Type names cannot
 * hold `#` or `:`, so the spellings never collide.
 */
export function invalidationTags(refs: Iterable<EntityRef>): string[] {
  const tags = new Set<string>();
  for (const ref of refs) {
    tags.add(entityTag(ref));
    if (ref.id !== undefined && ref.id !== null) tags.add(unidentifiedTag(ref.typename));
  }
  return [...tags];
}
