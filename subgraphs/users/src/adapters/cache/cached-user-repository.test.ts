import { describe, expect, it } from "vitest";
import type { User } from "../../domain/user.ts";
import type { UserRepository } from "../../application/ports/user-repository.port.ts";
import { createCachedUserRepository } from "./cached-user-repository.ts";

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const user = (id: string, displayName = `name ${id}`): User => ({
  id,
  email: `${id}@example.com`,
  handle: id,
  displayName,
  bio: null,
  followerCount: 0,
  followingCount: 0,
  createdAt: new Date(0),
});

/** A repository over a map that counts findByIds calls and can hold them until released. */
function fakeRepository() {
  const users = new Map<string, User>([
    ["a", user("a")],
    ["b", user("b")],
  ]);
  const calls: string[][] = [];
  let gate: ReturnType<typeof deferred<void>> | undefined;
  const repo = {
    async findByIds(ids: readonly string[]) {
      calls.push([...ids]);
      const snapshot = ids.map((id) => users.get(id) ?? null);
      await gate?.promise;
      return snapshot;
    },
    async updateProfile(id: string, patch: { displayName?: string }) {
      users.set(id, { ...users.get(id)!, ...patch });
      return users.get(id)!;
    },
    async follow() {
      return { created: true };
    },
  } as unknown as UserRepository;
  return {
    repo,
    users,
    calls,
    hold: () => (gate = deferred<void>()),
    release: () => gate?.resolve(),
  };
}

describe("cached user repository", () => {
  it("serves repeated lookups from memory and never caches absent users", async () => {
    const fake = fakeRepository();
    const cache = createCachedUserRepository({ inner: fake.repo, maxEntries: 10, ttlMs: 60_000 });
    expect(await cache.findByIds(["a", "x", "a"])).toEqual([user("a"), null, user("a")]);
    expect(await cache.findByIds(["a"])).toEqual([user("a")]);
    expect(await cache.findByIds(["x"])).toEqual([null]);
    expect(fake.calls).toEqual([["a", "x"], ["x"]]);
  });

  it("loads a missing user once however many ask at the same time (per-key lock)", async () => {
    const fake = fakeRepository();
    const cache = createCachedUserRepository({ inner: fake.repo, maxEntries: 10, ttlMs: 60_000 });
    fake.hold();
    const lookups = Array.from({ length: 20 }, () => cache.findByIds(["a", "b"]));
    fake.release();
    for (const result of await Promise.all(lookups)) expect(result).toEqual([user("a"), user("b")]);
    expect(fake.calls).toEqual([["a", "b"]]);
  });

  it("does not store (or share) a load that an eviction overtook", async () => {
    const fake = fakeRepository();
    const cache = createCachedUserRepository({ inner: fake.repo, maxEntries: 10, ttlMs: 60_000 });
    fake.hold();
    const before = cache.findByIds(["a"]); // reads "name a"
    fake.users.set("a", user("a", "renamed"));
    cache.evict(["a"], "event");
    const after = cache.findByIds(["a"]); // must not join the older load
    fake.release();
    expect((await before)[0]?.displayName).toBe("name a");
    expect((await after)[0]?.displayName).toBe("renamed");
    expect((await cache.findByIds(["a"]))[0]?.displayName).toBe("renamed");
  });

  it("evicts users changed by writes through it", async () => {
    const fake = fakeRepository();
    const cache = createCachedUserRepository({ inner: fake.repo, maxEntries: 10, ttlMs: 60_000 });
    await cache.findByIds(["a", "b"]);
    await cache.updateProfile("a", { displayName: "new a" }, () => []);
    expect((await cache.findByIds(["a"]))[0]?.displayName).toBe("new a");
    await cache.follow("a", "b", () => []);
    await cache.findByIds(["a", "b"]);
    expect(fake.calls).toEqual([["a", "b"], ["a"], ["a", "b"]]);
  });

  it("bounds entries and their age", async () => {
    let now = 0;
    const fake = fakeRepository();
    const cache = createCachedUserRepository({ inner: fake.repo, maxEntries: 1, ttlMs: 1_000, now: () => now });
    await cache.findByIds(["a", "b"]);
    expect(cache.size).toBe(1);
    await cache.findByIds(["b"]);
    now += 1_000;
    await cache.findByIds(["b"]);
    expect(fake.calls).toEqual([["a", "b"], ["b"]]);
  });
});
