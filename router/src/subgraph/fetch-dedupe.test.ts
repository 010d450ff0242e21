import { describe, expect, it } from "vitest";
import { createFetchDeduper } from "./fetch-dedupe.ts";

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe("subgraph fetch deduplication", () => {
  it("runs identical concurrent fetches once and gives each caller its own copy", async () => {
    let fetches = 0;
    let joins = 0;
    const upstream = deferred<{ data: { n: number } }>();
    const dedupe = createFetchDeduper({ onJoin: () => joins++ });
    const calls = Array.from({ length: 50 }, () =>
      dedupe.run("k", () => {
        fetches++;
        return upstream.promise;
      }),
    );
    upstream.resolve({ data: { n: 1 } });
    const results = await Promise.all(calls);
    expect(fetches).toBe(1);
    expect(joins).toBe(49);
    for (const result of results) expect(result).toEqual({ data: { n: 1 } });
    // Mutating one caller's copy (as the gateway merges) leaves the others intact.
    results[0]!.data.n = 99;
    expect(results[1]!.data.n).toBe(1);
    expect(dedupe.inFlight).toBe(0);
  });

  it("does not join a fetch that started before an invalidation", async () => {
    let epoch = 0;
    let fetches = 0;
    const dedupe = createFetchDeduper({ epoch: () => epoch });
    const first = deferred<string>();
    const a = dedupe.run("k", () => (fetches++, first.promise));
    epoch++;
    const b = dedupe.run("k", async () => (fetches++, "fresh"));
    first.resolve("old");
    expect([await a, await b]).toEqual(["old", "fresh"]);
    expect(fetches).toBe(2);
  });

  it("shares failures and forgets them", async () => {
    const dedupe = createFetchDeduper();
    const failing = deferred<string>();
    const a = dedupe.run("k", () => failing.promise);
    const b = dedupe.run("k", () => failing.promise);
    failing.reject(new Error("down"));
    await expect(a).rejects.toThrow("down");
    await expect(b).rejects.toThrow("down");
    expect(await dedupe.run("k", async () => "again")).toBe("again");
  });
});
