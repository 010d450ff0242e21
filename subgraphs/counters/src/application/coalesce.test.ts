import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { coalesce } from "./coalesce.ts";

describe("coalesce", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function feed(minIntervalMs: number) {
    let push!: (value: number) => void;
    let unsubscribed = false;
    let coalesced = 0;
    const iterator = await coalesce<number>({
      subscribe: async (p) => {
        push = p;
        return async () => {
          unsubscribed = true;
        };
      },
      minIntervalMs,
      onCoalesced: () => coalesced++,
      now: () => Date.now(),
    });
    return { iterator, push: (v: number) => push(v), unsubscribed: () => unsubscribed, coalesced: () => coalesced };
  }

  it("hands out the first value at once, then at most one per interval, always the newest", async () => {
    const f = await feed(100);
    const first = f.iterator.next();
    f.push(1);
    expect(await first).toEqual({ value: 1, done: false });

    const second = f.iterator.next();
    for (let v = 2; v <= 50; v++) f.push(v);
    let settled = false;
    void second.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(99);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await second).toEqual({ value: 50, done: false });
    expect(f.coalesced()).toBe(48);
  });

  it("delivers the last value of a burst even when nothing follows it", async () => {
    const f = await feed(1000);
    const a = f.iterator.next();
    f.push(1);
    await a;
    f.push(2);
    f.push(3);
    const b = f.iterator.next();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await b).toEqual({ value: 3, done: false });
  });

  it("keeps a value that arrives while nobody is reading until the next read", async () => {
    const f = await feed(10);
    f.push(7);
    await vi.advanceTimersByTimeAsync(50);
    expect(await f.iterator.next()).toEqual({ value: 7, done: false });
  });

  it("ends the feed on return(), releasing a pending read", async () => {
    const f = await feed(10);
    const pending = f.iterator.next();
    await f.iterator.return!();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(f.unsubscribed()).toBe(true);
    f.push(1);
    expect(await f.iterator.next()).toEqual({ value: undefined, done: true });
  });
});
