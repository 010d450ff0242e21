import { describe, expect, it } from "vitest";
import { createEvent } from "../create-event.ts";
import { runEventBusContract } from "../event-bus.contract.ts";
import { UserRegistered } from "../schemas/users.ts";
import { createInProcessEventBus } from "./in-process-event-bus.ts";

runEventBusContract("in-process", ({ registry, onDeadLetter }) =>
  createInProcessEventBus({ registry, onDeadLetter, handlerRetry: { attempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 } }),
);

describe("in-process event bus", () => {
  const registered = (userId: string) =>
    createEvent(UserRegistered, userId, { userId, handle: userId, displayName: userId, createdAt: new Date().toISOString() });

  it("resolves publish before handlers run, and idle() once they have", async () => {
    const bus = createInProcessEventBus();
    const seen: string[] = [];
    await bus.subscribe({ groupId: "g", topics: [UserRegistered.topic], handler: (event) => void seen.push(event.id) });
    const event = registered("u1");
    await bus.publish([event]);
    expect(seen).toEqual([]);
    await bus.idle();
    expect(seen).toEqual([event.id]);
    await bus.close();
  });

  it("hands each group its own copy of the event", async () => {
    const bus = createInProcessEventBus();
    const copies: unknown[] = [];
    for (const groupId of ["a", "b"]) {
      await bus.subscribe({
        groupId,
        topics: [UserRegistered.topic],
        handler: (event) => {
          copies.push(event);
          (event.payload as { handle: string }).handle = "mutated";
        },
      });
    }
    const event = registered("u2");
    await bus.publish([event]);
    await bus.idle();
    expect(copies).toHaveLength(2);
    expect(copies[0]).not.toBe(copies[1]);
    expect(event.payload.handle).toBe("u2");
    await bus.close();
  });

  it("keeps dead letters in a bounded list", async () => {
    // One partition: dead letters of different keys then arrive in publish order.
    const bus = createInProcessEventBus({ partitions: 1, maxDeadLetters: 2, handlerRetry: { attempts: 1 } });
    await bus.subscribe({
      groupId: "g",
      topics: [UserRegistered.topic],
      handler: () => {
        throw new Error("always");
      },
    });
    await bus.publish([registered("x1"), registered("x2"), registered("x3")]);
    await bus.idle();
    expect(bus.deadLetters().map((deadLetter) => deadLetter.event?.aggregateId)).toEqual(["x2", "x3"]);
    await bus.close();
  });

  it("trims consumed events beyond the retained tail", async () => {
    const bus = createInProcessEventBus({ partitions: 1, retainPerPartition: 10 });
    const seen: string[] = [];
    await bus.subscribe({ groupId: "g", topics: [UserRegistered.topic], handler: (event) => void seen.push(event.id) });
    for (let index = 0; index < 200; index++) await bus.publish([registered(`t${index}`)]);
    await bus.idle();
    expect(seen).toHaveLength(200);
    const late: string[] = [];
    await bus.subscribe({
      groupId: "late",
      topics: [UserRegistered.topic],
      fromBeginning: true,
      handler: (event) => void late.push(event.id),
    });
    await bus.idle();
    expect(late.length).toBeGreaterThanOrEqual(10);
    expect(late.length).toBeLessThan(200);
    expect(late).toEqual(seen.slice(-late.length));
    await bus.close();
  });

  it("rejects publishing after close", async () => {
    const bus = createInProcessEventBus();
    await bus.close();
    await expect(bus.publish([registered("z")])).rejects.toThrow(/closed/);
  });
});
