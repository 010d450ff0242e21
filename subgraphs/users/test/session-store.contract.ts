import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaSessionStore } from "../src/adapters/prisma/prisma-session-store.ts";
import { createPrismaUserRepository } from "../src/adapters/prisma/prisma-user-repository.ts";
import type { SessionStore } from "../src/application/ports/session-store.port.ts";
import type { UserRepository } from "../src/application/ports/user-repository.port.ts";
import { sessionRevoked, tokensRevoked, userRegistered } from "../src/application/user-events.ts";
import type { UsersTestShards } from "./support.ts";

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
const newUser = (handle = unique("s")) => ({ email: `${handle}@example.com`, handle, displayName: handle, passwordHash: "hash" });
const inAnHour = () => new Date(Date.now() + 3_600_000);

/** Token versions and signed-out sessions: the same suite on real Postgres shards and on PGlite shards. */
export function runSessionStoreContract(name: string, open: () => Promise<UsersTestShards>) {
  describe(`SessionStore contract: ${name}`, () => {
    let db: UsersTestShards;
    let users: UserRepository;
    let sessions: SessionStore;

    beforeAll(async () => {
      db = await open();
      users = createPrismaUserRepository({ shards: db.shards.router });
      sessions = createPrismaSessionStore({ shards: db.shards.router });
    });
    afterAll(async () => db?.close());

    const eventsOf = async (type: string, userId: string) =>
      (await db.outbox()).filter((row) => row.type === type && row.key === userId);

    it("a new user's tokens are at version 0 and active; unknown and malformed ids have no user", async () => {
      const user = await users.create(newUser(), userRegistered);
      expect(await sessions.tokenVersion(user.id)).toBe(0);
      expect(await sessions.status(user.id, "sid-1", 0)).toBe("active");
      expect(await sessions.status(user.id, null, 0)).toBe("active");
      expect(await sessions.status(user.id, "sid-1", 1)).toBe("revoked");
      const ghost = db.shards.router.newId();
      expect(await sessions.tokenVersion(ghost)).toBeNull();
      expect(await sessions.status(ghost, "sid-1", 0)).toBe("no-user");
      expect(await sessions.status("not-an-id", "sid-1", 0)).toBe("no-user");
      expect(await sessions.revokeAll(ghost, tokensRevoked(ghost))).toBeNull();
    });

    it("revokes one session, once (idempotent, one SessionRevoked), leaving the others active", async () => {
      const user = await users.create(newUser(), userRegistered);
      const expiresAt = inAnHour();
      await sessions.revokeSession(user.id, "sid-a", expiresAt, sessionRevoked(user.id, "sid-a", expiresAt));
      await sessions.revokeSession(user.id, "sid-a", expiresAt, sessionRevoked(user.id, "sid-a", expiresAt));
      expect(await sessions.status(user.id, "sid-a", 0)).toBe("revoked");
      expect(await sessions.status(user.id, "sid-b", 0)).toBe("active");
      const events = await eventsOf("SessionRevoked", user.id);
      expect(events).toHaveLength(1);
      expect(events[0]!.payload).toMatchObject({ payload: { userId: user.id, sessionId: "sid-a" } });
    });

    it("revokeAll bumps the version: every older token is revoked, new ones are issued under the new version", async () => {
      const user = await users.create(newUser(), userRegistered);
      expect(await sessions.revokeAll(user.id, tokensRevoked(user.id))).toBe(1);
      expect(await sessions.revokeAll(user.id, tokensRevoked(user.id))).toBe(2);
      expect(await sessions.tokenVersion(user.id)).toBe(2);
      expect(await sessions.status(user.id, "sid-old", 0)).toBe("revoked");
      expect(await sessions.status(user.id, "sid-new", 2)).toBe("active");
      const events = await eventsOf("TokensRevoked", user.id);
      expect(events.map((event) => (event.payload.payload as { tokenVersion: number }).tokenVersion)).toEqual([1, 2]);
    });

    it("a sign-out sweeps the user's revocations of tokens that expired anyway", async () => {
      const user = await users.create(newUser(), userRegistered);
      const expired = new Date(Date.now() - 1_000);
      const live = inAnHour();
      await sessions.revokeSession(user.id, "sid-expired", expired, sessionRevoked(user.id, "sid-expired", expired));
      await sessions.revokeSession(user.id, "sid-live", live, sessionRevoked(user.id, "sid-live", live));
      const shard = db.shards.router.forId(user.id)!;
      const rows = await shard.client.revokedSession.findMany({ where: { userId: user.id } });
      expect(rows.map((row) => row.sessionId)).toEqual(["sid-live"]);
    });
  });
}
