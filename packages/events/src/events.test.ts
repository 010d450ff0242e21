import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { createEvent } from "./create-event.ts";
import { createEventDispatcher } from "./dispatch.ts";
import { InvalidEventError } from "./errors.ts";
import { parseEvent } from "./parse-event.ts";
import { defineEvent, eventRegistry, EventRegistry, isEvent } from "./registry.ts";
import { Followed, ProfileUpdated, Unfollowed, UserRegistered, type PlazaEvent } from "./schemas/index.ts";
import { deadLetterTopic, DOMAIN_TOPICS, isDeadLetterTopic, Topics } from "./topics.ts";

const now = "2025-01-02T03:04:05.000Z";
const meta = { topic: Topics.users, partition: 0, offset: "0", attempt: 1 };

describe("topics", () => {
  it("names one versioned topic per domain and a dead-letter topic for each", () => {
    expect(DOMAIN_TOPICS).toEqual([
      "plaza.users.v1",
      "plaza.posts.v1",
      "plaza.counters.v1",
      "plaza.chat.v1",
      "plaza.payments.v1",
    ]);
    expect(deadLetterTopic(Topics.users)).toBe("plaza.users.v1.dlq");
    expect(isDeadLetterTopic("plaza.users.v1.dlq")).toBe(true);
    expect(isDeadLetterTopic(Topics.users)).toBe(false);
  });
});

describe("event definitions", () => {
  it("registers the users events on the users topic", () => {
    for (const definition of [UserRegistered, ProfileUpdated, Followed, Unfollowed]) {
      expect(definition.topic).toBe(Topics.users);
      expect(eventRegistry.get(definition.type, 1)).toBe(definition);
    }
    expect(eventRegistry.topics()).toContain(Topics.users);
  });

  it("refuses a second definition of the same type and version", () => {
    const registry = new EventRegistry();
    defineEvent("Twice", 1, "t", z.object({}), registry);
    expect(() => defineEvent("Twice", 1, "t", z.object({}), registry)).toThrow(/already defined/);
    expect(() => defineEvent("Twice", 2, "t", z.object({ extra: z.string() }), registry)).not.toThrow();
    expect(() => defineEvent("Bad", 0, "t", z.object({}), registry)).toThrow(/positive integer/);
  });
});

describe("createEvent", () => {
  it("builds a typed envelope", () => {
    const event = createEvent(Followed, "u1", { followerId: "u1", followeeId: "u2", followedAt: now });
    expect(event).toMatchObject({ type: "Followed", version: 1, aggregateId: "u1", payload: { followeeId: "u2" } });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(event.occurredAt)).not.toBeNaN();
    expectTypeOf(event.payload).toEqualTypeOf<{ followerId: string; followeeId: string; followedAt: string }>();
  });

  it("is checked at compile time too", () => {
    const missingHandle = { userId: "u1", displayName: "x", createdAt: now };
    // @ts-expect-error handle is required by UserRegistered v1
    expect(() => createEvent(UserRegistered, "u1", missingHandle)).toThrow(InvalidEventError);
  });

  it("accepts a fixed id and time", () => {
    const id = "6a0f6b4e-9a43-4c38-9f7f-1d1d3c6f0e11";
    const event = createEvent(
      Unfollowed,
      "u1",
      { followerId: "u1", followeeId: "u2", unfollowedAt: now },
      { id, occurredAt: new Date(now) },
    );
    expect(event).toMatchObject({ id, occurredAt: now });
  });

  it("throws InvalidEventError on a payload that breaks the schema", () => {
    const create = () => createEvent(ProfileUpdated, "u1", { userId: "u1", displayName: "x", bio: null, updatedAt: "yesterday" });
    expect(create).toThrow(InvalidEventError);
    expect(create).toThrow(/updatedAt/);
  });
});

describe("parseEvent", () => {
  const event = createEvent(UserRegistered, "u1", { userId: "u1", handle: "ada", displayName: "Ada", createdAt: now });

  it("round-trips an envelope through JSON", () => {
    expect(parseEvent(JSON.stringify(event))).toEqual(event);
    expect(parseEvent(Buffer.from(JSON.stringify(event)))).toEqual(event);
    expect(parseEvent(structuredClone(event))).toEqual(event);
  });

  it.each([
    ["invalid-json", "{oops"],
    ["invalid-envelope", { ...event, occurredAt: "not a date" }],
    ["invalid-envelope", { ...event, id: undefined }],
    ["unknown-event", { ...event, type: "UserDeleted" }],
    ["unknown-event", { ...event, version: 2 }],
    ["invalid-payload", { ...event, payload: { ...event.payload, handle: "" } }],
  ])("rejects %s", (reason, raw) => {
    expect(() => parseEvent(raw)).toThrow(InvalidEventError);
    try {
      parseEvent(raw);
    } catch (error) {
      expect(error).toMatchObject({ reason, code: "INVALID_EVENT" });
    }
  });

  it("narrows to a definition's type", () => {
    const parsed = parseEvent(JSON.stringify(event));
    expect(isEvent(UserRegistered, parsed)).toBe(true);
    if (isEvent(UserRegistered, parsed)) expectTypeOf(parsed.payload.handle).toBeString();
    expect(isEvent(Followed, parsed)).toBe(false);
  });

  it("makes PlazaEvent a union discriminated by type", () => {
    const handle = (plazaEvent: PlazaEvent) => (plazaEvent.type === "Followed" ? plazaEvent.payload.followeeId : plazaEvent.type);
    expect(handle(event as PlazaEvent)).toBe("UserRegistered");
  });
});

describe("createEventDispatcher", () => {
  it("routes events to the handler of their type and version and skips the rest", async () => {
    const seen: string[] = [];
    const unhandled: string[] = [];
    const dispatcher = createEventDispatcher({ onUnhandled: (event) => unhandled.push(event.type) })
      .on(UserRegistered, (event) => void seen.push(`registered ${event.payload.handle}`))
      .on(Followed, async (event, delivery) => void seen.push(`followed ${event.payload.followeeId} @${delivery.offset}`));

    expect(dispatcher.topics).toEqual([Topics.users]);
    await dispatcher.handle(
      createEvent(UserRegistered, "u1", { userId: "u1", handle: "ada", displayName: "Ada", createdAt: now }),
      meta,
    );
    await dispatcher.handle(createEvent(Followed, "u1", { followerId: "u1", followeeId: "u2", followedAt: now }), meta);
    await dispatcher.handle(createEvent(Unfollowed, "u1", { followerId: "u1", followeeId: "u2", unfollowedAt: now }), meta);
    expect(seen).toEqual(["registered ada", "followed u2 @0"]);
    expect(unhandled).toEqual(["Unfollowed"]);
  });

  it("propagates handler errors so the bus can retry", async () => {
    const dispatcher = createEventDispatcher().on(UserRegistered, () => {
      throw new Error("boom");
    });
    const event = createEvent(UserRegistered, "u1", { userId: "u1", handle: "ada", displayName: "Ada", createdAt: now });
    await expect(dispatcher.handle(event, meta)).rejects.toThrow("boom");
    expect(() => dispatcher.on(UserRegistered, () => undefined)).toThrow(/already registered/);
  });
});
