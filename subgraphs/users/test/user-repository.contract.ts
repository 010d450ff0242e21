import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlazaError } from "@plaza/kit";
import { createPrismaUserRepository } from "../src/adapters/prisma/prisma-user-repository.ts";
import type { UserRepository } from "../src/application/ports/user-repository.port.ts";
import * as userEvents from "../src/application/user-events.ts";
import type { UsersTestShards } from "./support.ts";

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
const newUser = (handle = unique("u")) => ({ email: `${handle}@example.com`, handle, displayName: handle, passwordHash: "hash" });

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; field?: unknown }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof PlazaError) return { code: err.code, field: err.extensions.field };
    throw err;
  }
  throw new Error("expected a rejection");
}

/**
 * One behaviour, two adapters: the same suite runs on real Postgres shards and on PGlite shards — and through
 * decorators such as the entity cache (`wrap`), which must not change any of it.
 */
export function runUserRepositoryContract(
  name: string,
  open: () => Promise<UsersTestShards>,
  wrap: (repository: UserRepository) => UserRepository = (repository) => repository,
) {
  describe(`UserRepository contract: ${name}`, () => {
    let db: UsersTestShards;
    let repo: UserRepository;

    beforeAll(async () => {
      db = await open();
      repo = wrap(createPrismaUserRepository({ shards: db.shards.router }));
    });
    afterAll(async () => db?.close());

    const eventsOf = async (type: string) => (await db.outbox()).filter((row) => row.type === type);

    it("creates a user findable by id, email and handle, with one UserRegistered event", async () => {
      const input = newUser();
      const user = await repo.create(input, userEvents.userRegistered);
      expect(user).toMatchObject({ handle: input.handle, email: input.email, followerCount: 0 });
      expect(await repo.findByIds([user.id])).toEqual([user]);
      expect((await repo.findByEmail(input.email))?.passwordHash).toBe("hash");
      expect(await repo.findIdByHandle(input.handle)).toBe(user.id);
      const events = (await eventsOf("UserRegistered")).filter((row) => row.key === user.id);
      expect(events).toHaveLength(1);
      expect(events[0]!.payload.payload).toMatchObject({ userId: user.id, handle: input.handle });
    });

    it("answers null for unknown and malformed ids, keeping batch order", async () => {
      const user = await repo.create(newUser(), userEvents.userRegistered);
      const unknown = db.shards.router.newId();
      expect(await repo.findByIds([unknown, "not-an-id", user.id, ""])).toEqual([null, null, user, null]);
    });

    it("rejects a duplicate email with CONFLICT and releases the new handle", async () => {
      const first = newUser();
      await repo.create(first, userEvents.userRegistered);
      const handle = unique("h");
      expect(await codeOf(repo.create({ ...newUser(handle), email: first.email }, userEvents.userRegistered))).toEqual({
        code: "CONFLICT",
        field: "email",
      });
      expect(await repo.findIdByHandle(handle)).toBeNull();
      expect((await eventsOf("UserRegistered")).filter((e) => e.payload.payload.handle === handle)).toHaveLength(0);
    });

    it("rejects a duplicate handle with CONFLICT", async () => {
      const first = newUser();
      await repo.create(first, userEvents.userRegistered);
      expect(await codeOf(repo.create({ ...newUser(), handle: first.handle }, userEvents.userRegistered))).toEqual({
        code: "CONFLICT",
        field: "handle",
      });
    });

    it("lets exactly one of many concurrent sign-ups for one handle win, across shards", async () => {
      const handle = unique("race");
      // Different emails spread the users over both shards; the handle's shard decides.
      const attempts = Array.from({ length: 8 }, (_, i) =>
        repo.create({ ...newUser(), email: `${handle}-${i}@example.com`, handle }, userEvents.userRegistered),
      );
      const results = await Promise.allSettled(attempts);
      const won = results.filter((r) => r.status === "fulfilled");
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === "rejected") expect((r.reason as PlazaError).code).toBe("CONFLICT");
      const winner = (won[0] as PromiseFulfilledResult<{ id: string }>).value;
      expect(await repo.findIdByHandle(handle)).toBe(winner.id);
      const registered = (await eventsOf("UserRegistered")).filter((e) => e.payload.payload.handle === handle);
      expect(registered).toHaveLength(1);
    });

    it("follows idempotently: one edge, one event, counts on both sides", async () => {
      const a = await repo.create(newUser(), userEvents.userRegistered);
      const b = await repo.create(newUser(), userEvents.userRegistered);
      expect(await repo.follow(a.id, b.id, userEvents.followed(a.id, b.id))).toEqual({ created: true });
      expect(await repo.follow(a.id, b.id, userEvents.followed(a.id, b.id))).toEqual({ created: false });
      await Promise.all([repo.reconcileFollowerIndex(a.id, b.id), repo.reconcileFollowerIndex(a.id, b.id)]);
      const [a2, b2] = await repo.findByIds([a.id, b.id]);
      expect(a2?.followingCount).toBe(1);
      expect(b2?.followerCount).toBe(1);
      expect((await repo.listFollowers(b.id, 10, null)).edges.map((e) => e.userId)).toEqual([a.id]);
      expect((await repo.listFollowing(a.id, 10, null)).edges.map((e) => e.userId)).toEqual([b.id]);
      const followed = (await eventsOf("Followed")).filter((e) => e.key === a.id);
      expect(followed).toHaveLength(1);

      expect(await repo.unfollow(a.id, b.id, userEvents.unfollowed(a.id, b.id))).toEqual({ removed: true });
      expect(await repo.unfollow(a.id, b.id, userEvents.unfollowed(a.id, b.id))).toEqual({ removed: false });
      await repo.reconcileFollowerIndex(a.id, b.id);
      const [a3, b3] = await repo.findByIds([a.id, b.id]);
      expect([a3?.followingCount, b3?.followerCount]).toEqual([0, 0]);
      expect((await repo.listFollowers(b.id, 10, null)).edges).toEqual([]);
      expect((await eventsOf("Unfollowed")).filter((e) => e.key === a.id)).toHaveLength(1);
    });

    it("paginates followers newest first with stable cursors", async () => {
      const star = await repo.create(newUser(), userEvents.userRegistered);
      const fans = [];
      for (let i = 0; i < 5; i++) {
        const fan = await repo.create(newUser(), userEvents.userRegistered);
        await repo.follow(fan.id, star.id, userEvents.followed(fan.id, star.id));
        await repo.reconcileFollowerIndex(fan.id, star.id);
        fans.push(fan.id);
      }
      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 5; page++) {
        const result = await repo.listFollowers(star.id, 2, after);
        seen.push(...result.edges.map((e) => e.userId));
        if (!result.hasNextPage) break;
        after = result.edges.at(-1)!.cursor;
      }
      expect(seen).toEqual([...fans].reverse());
      expect(await codeOf(repo.listFollowers(star.id, 2, "garbage!"))).toEqual({ code: "BAD_USER_INPUT", field: "after" });
    });

    it("updates a profile with one ProfileUpdated event; unknown users give null", async () => {
      const user = await repo.create(newUser(), userEvents.userRegistered);
      const updated = await repo.updateProfile(user.id, { displayName: "New Name", bio: "hello" }, userEvents.profileUpdated);
      expect(updated).toMatchObject({ displayName: "New Name", bio: "hello" });
      expect((await eventsOf("ProfileUpdated")).filter((e) => e.key === user.id)).toHaveLength(1);
      expect(await repo.updateProfile(db.shards.router.newId(), { bio: "x" }, userEvents.profileUpdated)).toBeNull();
    });
  });
}
