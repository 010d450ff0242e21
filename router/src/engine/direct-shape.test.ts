import { buildSchema, parse, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { conformsToShape, directShapeOf } from "./direct-shape.ts";

// An API schema: `Status.HIDDEN` is @inaccessible in the supergraph, so it is not here.
const schema = buildSchema(/* GraphQL */ `
  scalar JSON
  enum Status {
    OPEN
  }
  interface Named {
    name: String
  }
  type Item implements Named {
    id: ID!
    name: String
    count: Int
    price: Float
    status: Status!
    tags: [String!]
    meta: JSON
    parts: [Item!]!
  }
  type Query {
    item: Item
    items: [Item]!
    named: Named
    flag: Boolean!
  }
`);

const shapeOf = (query: string) => {
  const operation = parse(query).definitions[0] as OperationDefinitionNode;
  return directShapeOf(schema, schema.getQueryType()!, operation.selectionSet);
};

describe("direct shape: operations whose subgraph data can be the response unchanged", () => {
  it("takes fields-only operations over object types", () => {
    expect(shapeOf("{ item { id name status parts { id } } flag }")).not.toBeNull();
  });

  it("refuses fragments, directives, repeated response keys and abstract types", () => {
    expect(shapeOf("{ item { ... on Item { id } } }")).toBeNull();
    expect(shapeOf("{ item { ...F } } fragment F on Item { id }")).toBeNull();
    expect(shapeOf("query ($s: Boolean!) { item { id @skip(if: $s) } }")).toBeNull();
    expect(shapeOf("{ item { id } item { name } }")).toBeNull();
    expect(shapeOf("{ named { name } }")).toBeNull();
  });
});

describe("direct shape: data the gateway's result shaping would return as it is", () => {
  const shape = shapeOf("{ item { __typename id name count price status tags meta } }")!;
  const item = { __typename: "Item", id: "1", name: null, count: 2, price: 1.5, status: "OPEN", tags: ["a"], meta: { any: [1] } };
  const conforms = (data: unknown) => conformsToShape(schema, { item: data }, shape);

  it("accepts conforming data, and a null where the schema allows one", () => {
    expect(conforms(item)).toBe(true);
    expect(conforms(null)).toBe(true);
    expect(conforms({ ...item, id: 7 })).toBe(true);
  });

  it("refuses what the gateway would change: inaccessible enum values, nulls in non-null fields, missing or extra keys", () => {
    expect(conforms({ ...item, status: "HIDDEN" })).toBe(false);
    expect(conforms({ ...item, status: null })).toBe(false);
    const { name: _name, ...withoutName } = item;
    expect(conforms(withoutName)).toBe(false);
    expect(conforms({ ...item, extra: 1 })).toBe(false);
  });

  it("refuses built-in scalars of the wrong JSON type and __typenames that name no object type", () => {
    expect(conforms({ ...item, count: "2" })).toBe(false);
    expect(conforms({ ...item, count: 2.5 })).toBe(false);
    expect(conforms({ ...item, id: 1.5 })).toBe(false);
    expect(conforms({ ...item, name: 3 })).toBe(false);
    expect(conforms({ ...item, tags: "a" })).toBe(false);
    expect(conforms({ ...item, tags: [null] })).toBe(false);
    expect(conforms({ ...item, __typename: "Named" })).toBe(false);
    expect(conforms({ ...item, __typename: "Secret" })).toBe(false);
  });

  it("refuses a null element in a list of non-null objects", () => {
    const parts = shapeOf("{ item { parts { id } } }")!;
    expect(conformsToShape(schema, { item: { parts: [{ id: "1" }] } }, parts)).toBe(true);
    expect(conformsToShape(schema, { item: { parts: [null] } }, parts)).toBe(false);
  });
});
