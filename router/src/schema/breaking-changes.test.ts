import { describe, expect, it } from "vitest";
import { diffSupergraphs } from "./breaking-changes.ts";
import { composeSupergraph } from "./compose.ts";
import { accountsV1, reviewsV1 } from "./test-fixtures.ts";

function supergraph(accountsSdl: string, reviewsSdl = reviewsV1): string {
  const result = composeSupergraph([
    { name: "accounts", url: "http://localhost:4101/graphql", sdl: accountsSdl },
    { name: "reviews", url: "http://localhost:4102/graphql", sdl: reviewsSdl },
  ]);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.supergraphSdl;
}

const before = supergraph(accountsV1);
const types = (changes: Array<{ type: string }>) => changes.map((c) => c.type).sort();

describe("diffSupergraphs", () => {
  it("finds nothing between identical supergraphs", () => {
    expect(diffSupergraphs(before, before)).toEqual({ breaking: [], dangerous: [], safe: [] });
  });

  it("flags removed and retyped fields, removed enum values and newly required arguments as breaking", () => {
    const after = supergraph(
      accountsV1
        .replace("  bio: String\n", "")
        .replace("handle: String!", "handle: Int!")
        .replace("enum Role { ADMIN MEMBER }", "enum Role { MEMBER }")
        .replace("users(first: Int = 10)", "users(first: Int!)"),
    );
    const diff = diffSupergraphs(before, after);
    expect(types(diff.breaking)).toEqual(["ARG_CHANGED_KIND", "FIELD_CHANGED_KIND", "FIELD_REMOVED", "VALUE_REMOVED_FROM_ENUM"]);
    expect(diff.breaking.map((c) => c.description)).toContain("User.bio was removed.");
  });

  it("flags a removed type (a subgraph's type gone) as breaking", () => {
    const after = supergraph(
      accountsV1,
      reviewsV1.replace("reviews: [Review!]!", "reviewCount: Int!").replace(/type Review \{[^}]*\}/, ""),
    );
    expect(types(diffSupergraphs(before, after).breaking)).toEqual(["FIELD_REMOVED", "TYPE_REMOVED"]);
  });

  it("treats additive changes as safe, and new enum values / optional arguments as dangerous only", () => {
    const after = supergraph(
      accountsV1
        .replace("  bio: String\n", "  bio: String\n  avatarUrl: String\n")
        .replace("enum Role { ADMIN MEMBER }", "enum Role { ADMIN MEMBER GUEST }\ntype Badge { name: String! }")
        .replace("roles: [Role!]!", "roles(includeGuests: Boolean): [Role!]!\n  badges: [Badge!]!"),
    );
    const diff = diffSupergraphs(before, after);
    expect(diff.breaking).toEqual([]);
    expect(types(diff.dangerous)).toEqual(["OPTIONAL_ARG_ADDED", "VALUE_ADDED_TO_ENUM"]);
    expect(diff.safe.map((c) => c.description).sort()).toEqual([
      "Badge was added.",
      "Query.badges was added.",
      "User.avatarUrl was added.",
    ]);
  });
});
