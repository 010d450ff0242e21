import { describe, expect, it, vi } from "vitest";
import type { ExecutionResult } from "graphql";
import { createLogger } from "@plaza/kit";
import { ClientStream } from "./client-stream.ts";
import { SubscriptionGroup } from "./subscription-group.ts";

const logger = createLogger({ service: "test", level: "silent" });

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function client(group: SubscriptionGroup) {
  const s: ClientStream = new ClientStream(100, {
    onClose: (c) => group.remove(c),
    onOverflow: () => undefined,
    onDeliver: () => undefined,
  });
  group.add(s);
  return s;
}

async function drain(s: ClientStream, count: number) {
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) out.push((await s.next()).value);
  return out;
}

describe("SubscriptionGroup", () => {
  it("resolves each event once for all clients and delivers in upstream order even when resolutions finish out of order", async () => {
    const pending: Array<{ promise: Promise<ExecutionResult>; resolve: (r: ExecutionResult) => void }> = [];
    const resolve = vi.fn(() => {
      const d = deferred<ExecutionResult>();
      pending.push(d);
      return d.promise;
    });
    const group = new SubscriptionGroup("k", resolve, () => undefined, logger);
    group.attach(() => undefined);
    const [a, b] = [client(group), client(group)];
    group.next({ data: { n: 1 } }, 1);
    group.next({ data: { n: 2 } }, 2);
    group.next({ data: { n: 3 } }, 3);
    expect(resolve).toHaveBeenCalledTimes(3);
    pending[2]!.resolve({ data: { n: 3 } });
    pending[1]!.resolve({ data: { n: 2 } });
    pending[0]!.resolve({ data: { n: 1 } });
    const expected = [{ data: { n: 1 } }, { data: { n: 2 } }, { data: { n: 3 } }];
    expect(await drain(a, 3)).toEqual(expected);
    expect(await drain(b, 3)).toEqual(expected);
  });

  it("leaves the upstream when its last client leaves, once", async () => {
    const leave = vi.fn();
    const onEmpty = vi.fn();
    const group = new SubscriptionGroup("k", async (p) => p as ExecutionResult, onEmpty, logger);
    group.attach(leave);
    const [a, b] = [client(group), client(group)];
    await a.return();
    expect(leave).not.toHaveBeenCalled();
    await b.return();
    expect(leave).toHaveBeenCalledTimes(1);
    expect(onEmpty).toHaveBeenCalledTimes(1);
  });

  it("tells clients about a gap after a reconnection, in order with events", async () => {
    const group = new SubscriptionGroup(
      "k",
      async (p) => p as ExecutionResult,
      () => undefined,
      logger,
    );
    group.attach(() => undefined);
    const a = client(group);
    group.next({ data: { n: 1 } }, 1);
    group.resumed({ subgraph: "live", interruptedAt: 0, resumedAt: 1000 });
    group.next({ data: { n: 2 } }, 2);
    const [first, notice, second] = (await drain(a, 3)) as ExecutionResult[];
    expect(first).toEqual({ data: { n: 1 } });
    expect(notice!.errors![0]!.extensions).toMatchObject({ code: "SUBSCRIPTION_INTERRUPTED", subgraph: "live" });
    expect(second).toEqual({ data: { n: 2 } });
  });

  it("ends every client with the error when the upstream fails", async () => {
    const group = new SubscriptionGroup(
      "k",
      async (p) => p as ExecutionResult,
      () => undefined,
      logger,
    );
    group.attach(() => undefined);
    const a = client(group);
    group.error({ kind: "unavailable", message: 'Subgraph "live" is unavailable' });
    const final = (await a.next()).value as ExecutionResult;
    expect(final.errors![0]!.message).toBe('Subgraph "live" is unavailable');
    expect(await a.next()).toEqual({ done: true, value: undefined });
  });
});
