import { describe, expect, it } from "vitest";
import { dedupeRepresentations } from "./entity-representations.ts";

const QUERY = "query($representations:[_Any!]!){_entities(representations:$representations){...on User{name}}}";
const u = (id: string) => ({ __typename: "User", id });

describe("dedupeRepresentations", () => {
  it("leaves requests without representations, or without repeats, alone", () => {
    expect(dedupeRepresentations({ query: "{ a }" })).toBeUndefined();
    expect(dedupeRepresentations({ query: QUERY, variables: { representations: [u("1"), u("2")] } })).toBeUndefined();
    expect(dedupeRepresentations({ query: QUERY, variables: { representations: "nope" } })).toBeUndefined();
  });

  it("sends each distinct representation once and gives every position its own copy of the answer", () => {
    const distinct = dedupeRepresentations({
      query: QUERY,
      variables: { representations: [u("1"), u("2"), u("1"), u("1"), u("2")], other: 7 },
    })!;
    expect(distinct.request.variables).toEqual({ representations: [u("1"), u("2")], other: 7 });
    expect([distinct.total, distinct.unique]).toEqual([5, 2]);
    const expanded = distinct.expand({ data: { _entities: [{ name: "Ada", tags: ["x"] }, null] } })!;
    const entities = expanded.data!._entities as Array<{ name: string; tags: string[] } | null>;
    expect(entities).toEqual([
      { name: "Ada", tags: ["x"] },
      null,
      { name: "Ada", tags: ["x"] },
      { name: "Ada", tags: ["x"] },
      null,
    ]);
    entities[2]!.tags.push("merged later"); // the gateway merges into each place on its own
    expect(entities[0]!.tags).toEqual(["x"]);
    expect(entities[3]!.tags).toEqual(["x"]);
  });

  it("repeats an entity's errors at every position it stands for, in position order; whole-fetch errors stay once", () => {
    const distinct = dedupeRepresentations({ query: QUERY, variables: { representations: [u("1"), u("2"), u("1")] } })!;
    const expanded = distinct.expand({
      data: { _entities: [null, { name: "Bo" }] },
      errors: [
        { message: "whole fetch" },
        { message: "no user 1", path: ["_entities", 0, "name"], extensions: { code: "NOT_FOUND" } },
      ],
    })!;
    expect(expanded.errors).toEqual([
      { message: "whole fetch" },
      { message: "no user 1", path: ["_entities", 0, "name"], extensions: { code: "NOT_FOUND" } },
      { message: "no user 1", path: ["_entities", 2, "name"], extensions: { code: "NOT_FOUND" } },
    ]);
    expect(expanded.data).toEqual({ _entities: [null, { name: "Bo" }, null] });
  });

  it("refuses an answer whose entity list does not match what was sent (the caller sends the whole request)", () => {
    const distinct = dedupeRepresentations({ query: QUERY, variables: { representations: [u("1"), u("1")] } })!;
    expect(distinct.expand({ data: { _entities: [{ name: "a" }, { name: "b" }] } })).toBeUndefined();
    expect(distinct.expand({ data: { _entities: "x" } })).toBeUndefined();
    // No data at all (the fetch failed as a whole): passed on, errors kept.
    expect(distinct.expand({ data: null, errors: [{ message: "down" }] })).toEqual({ data: null, errors: [{ message: "down" }] });
  });
});
