import { describe, expect, it } from "vitest";
import { entitiesForEvent } from "./invalidation-events.ts";

describe("entities changed by domain events", () => {
  it.each([
    ["ProfileUpdated", { userId: "u1", displayName: "x", bio: null }, [{ typename: "User", id: "u1" }]],
    [
      "Followed",
      { followerId: "u1", followeeId: "u2" },
      [
        { typename: "User", id: "u1" },
        { typename: "User", id: "u2" },
      ],
    ],
    ["UserRegistered", { userId: "u3" }, [{ typename: "User" }]],
    [
      "PostDeleted",
      { postId: "p1", authorId: "u1" },
      [
        { typename: "Post", id: "p1" },
        { typename: "User", id: "u1" },
      ],
    ],
    [
      "PostLiked",
      { postId: "p1", userId: "u9" },
      [
        { typename: "Counter", id: "p1" },
        { typename: "Post", id: "p1" },
      ],
    ],
    [
      "CounterIncremented",
      { resourceId: "p2", type: "VIEW", delta: 1, viewerId: null },
      [
        { typename: "Counter", id: "p2" },
        { typename: "Post", id: "p2" },
      ],
    ],
    ["SomethingNew", { postId: "p3" }, [{ typename: "Post", id: "p3" }]],
  ])("%s", (type, payload, expected) => {
    expect(entitiesForEvent({ type, payload })).toEqual(expected);
  });
});
