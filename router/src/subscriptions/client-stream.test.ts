import { describe, expect, it, vi } from "vitest";
import { ClientStream } from "./client-stream.ts";

function stream(maxQueued = 3) {
  const hooks = { onClose: vi.fn(), onOverflow: vi.fn(), onDeliver: vi.fn() };
  return { s: new ClientStream(maxQueued, hooks), hooks };
}
const event = (n: number) => ({ data: { n } });

describe("ClientStream", () => {
  it("hands out queued events in order, and waits for the next one", async () => {
    const { s, hooks } = stream();
    s.push(event(1), 10);
    s.push(event(2), 20);
    expect(await s.next()).toEqual({ done: false, value: event(1) });
    expect(await s.next()).toEqual({ done: false, value: event(2) });
    const pending = s.next();
    s.push(event(3), 30);
    expect(await pending).toEqual({ done: false, value: event(3) });
    expect(hooks.onDeliver.mock.calls).toEqual([[10], [20], [30]]);
  });

  it("settles a pending next() and releases at once when the client leaves", async () => {
    const { s, hooks } = stream();
    const pending = s.next();
    await s.return();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(hooks.onClose).toHaveBeenCalledTimes(1);
    s.push(event(1));
    expect(await s.next()).toEqual({ done: true, value: undefined });
    await s.return();
    expect(hooks.onClose).toHaveBeenCalledTimes(1);
  });

  it("delivers what is queued and a final result after end(), then completes", async () => {
    const { s, hooks } = stream();
    s.push(event(1));
    s.end({ errors: [] });
    s.push(event(2));
    expect(await s.next()).toEqual({ done: false, value: event(1) });
    expect(await s.next()).toEqual({ done: false, value: { errors: [] } });
    expect(hooks.onClose).not.toHaveBeenCalled();
    expect(await s.next()).toEqual({ done: true, value: undefined });
    expect(hooks.onClose).toHaveBeenCalledTimes(1);
  });

  it("completes a waiting reader on end() without a final result", async () => {
    const { s, hooks } = stream();
    const pending = s.next();
    s.end();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(hooks.onClose).toHaveBeenCalledTimes(1);
  });

  it("drops a reader that lets the queue overflow, keeping memory bounded", async () => {
    const { s, hooks } = stream(2);
    s.push(event(1));
    s.push(event(2));
    expect(hooks.onOverflow).not.toHaveBeenCalled();
    s.push(event(3));
    expect(hooks.onOverflow).toHaveBeenCalledTimes(1);
    expect(hooks.onClose).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 100; i++) s.push(event(i));
    expect(await s.next()).toEqual({ done: true, value: undefined });
    expect(hooks.onOverflow).toHaveBeenCalledTimes(1);
  });

  it("hands events straight to a transport's sink, settling next() only at the end", async () => {
    const { s, hooks } = stream();
    s.push(event(1), 10);
    const written: unknown[] = [];
    s.deliverTo((result) => written.push(result));
    const pending = s.next();
    s.push(event(2), 20);
    s.end({ errors: [] });
    expect(written).toEqual([event(1), event(2), { errors: [] }]);
    expect(hooks.onDeliver.mock.calls).toEqual([[10], [20]]);
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(hooks.onClose).toHaveBeenCalledTimes(1);
  });

  it("drops a client whose sink throws, without disturbing the producer", async () => {
    const { s, hooks } = stream();
    s.deliverTo(() => {
      throw new Error("socket gone");
    });
    expect(() => s.push(event(1))).not.toThrow();
    expect(hooks.onClose).toHaveBeenCalledTimes(1);
  });
});
