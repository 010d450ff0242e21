import { describe, expect, it } from "vitest";
import { createLogger, signAccessToken } from "@plaza/kit";
import type { Viewer } from "../context.ts";
import { createAuthenticator } from "./authenticator.ts";
import type { SessionChecker } from "./sessions.ts";
import { createVerifiedTokens } from "./verified-tokens.ts";

const SECRET = "unit-test-secret-0123456789abcdefghij";
const logger = createLogger({ service: "test", level: "silent" });

/** A session store in memory: live sessions by sid, and each user's token version. */
function fakeSessions() {
  const revoked = new Set<string>();
  const versions = new Map<string, number>([["alice", 0]]);
  let calls = 0;
  let failing = false;
  let gate: Promise<void> | undefined;
  const checker: SessionChecker = {
    async check(viewer: Viewer) {
      calls += 1;
      await gate;
      if (failing) throw new Error("users down");
      const version = versions.get(viewer.id);
      return version !== undefined && version === (viewer.ver ?? 0) && !revoked.has(viewer.sid ?? "");
    },
  };
  return {
    checker,
    revoked,
    versions,
    calls: () => calls,
    fail: (value: boolean) => (failing = value),
    hold: () => {
      let release!: () => void;
      gate = new Promise<void>((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

function setup(checkTtlMs = 60_000) {
  let now = Date.now();
  const verifiedTokens = createVerifiedTokens(10_000, () => now);
  verifiedTokens.setMaxAge(checkTtlMs);
  const sessions = fakeSessions();
  const auth = createAuthenticator({
    jwtSecret: SECRET,
    lifetime: { maxTtlSeconds: 3600 },
    verifiedTokens,
    sessions: { checker: sessions.checker, checkTtlMs },
    logger,
  });
  return { auth, sessions, verifiedTokens, advance: (ms: number) => (now += ms) };
}

const bearer = async (sub: string, sid: string, ver = 0) => `Bearer ${await signAccessToken(SECRET, sub, 600, { sid, ver })}`;

describe("authenticator with session checks", () => {
  it("checks a token once per check TTL, however many requests use it", async () => {
    const { auth, sessions, advance } = setup();
    const token = await bearer("alice", "s1");
    for (let i = 0; i < 50; i++) expect(await auth.authenticate(token)).toMatchObject({ kind: "viewer" });
    expect(sessions.calls()).toBe(1);
    advance(60_001);
    expect(await auth.authenticate(token)).toMatchObject({ kind: "viewer" });
    expect(sessions.calls()).toBe(2);
  });

  it("shares one check among concurrent first requests", async () => {
    const { auth, sessions } = setup();
    const token = await bearer("alice", "s1");
    const release = sessions.hold();
    const pending = Array.from({ length: 20 }, () => auth.authenticate(token));
    release();
    expect((await Promise.all(pending)).every((result) => result.kind === "viewer")).toBe(true);
    expect(sessions.calls()).toBe(1);
  });

  it("refuses tokens of unknown users, of revoked sessions and of older versions", async () => {
    const { auth, sessions } = setup();
    expect(await auth.authenticate(await bearer("ghost", "s1"))).toMatchObject({ kind: "rejected", reason: "revoked" });
    sessions.revoked.add("s2");
    expect(await auth.authenticate(await bearer("alice", "s2"))).toMatchObject({ kind: "rejected", reason: "revoked" });
    sessions.versions.set("alice", 2);
    expect(await auth.authenticate(await bearer("alice", "s3", 1))).toMatchObject({ kind: "rejected" });
    expect(await auth.authenticate(await bearer("alice", "s4", 2))).toMatchObject({ kind: "viewer" });
  });

  it("remembers a refused token: replaying it costs no further check", async () => {
    const { auth, sessions } = setup();
    sessions.revoked.add("s1");
    const token = await bearer("alice", "s1");
    for (let i = 0; i < 20; i++) expect(await auth.authenticate(token)).toMatchObject({ kind: "rejected", reason: "revoked" });
    expect(sessions.calls()).toBe(1);
  });

  it("a revocation event evicts the remembered verdict at once and tells listeners; other sessions stay", async () => {
    const { auth, sessions, verifiedTokens } = setup();
    const [one, two] = [await bearer("alice", "s1"), await bearer("alice", "s2")];
    await auth.authenticate(one);
    await auth.authenticate(two);
    const told: boolean[] = [];
    auth.onRevoked((matches) => told.push(matches({ id: "alice", tokenExp: 0, sid: "s1" })));
    sessions.revoked.add("s1");
    auth.revoke({ kind: "session", userId: "alice", sessionId: "s1" });
    expect(told).toEqual([true]);
    expect(verifiedTokens.get(one)).toBeUndefined();
    expect(verifiedTokens.get(two)).toBeDefined();
    expect(await auth.authenticate(one)).toMatchObject({ kind: "rejected", reason: "revoked" });
    expect(await auth.authenticate(two)).toMatchObject({ kind: "viewer" });

    sessions.versions.set("alice", 1);
    auth.revoke({ kind: "tokens", userId: "alice", tokenVersion: 1 });
    expect(await auth.authenticate(two)).toMatchObject({ kind: "rejected" });
  });

  it("does not remember a verdict read before a revocation that arrived meanwhile", async () => {
    const { auth, sessions, verifiedTokens } = setup();
    const token = await bearer("alice", "s1");
    const release = sessions.hold();
    const pending = auth.authenticate(token);
    auth.revoke({ kind: "session", userId: "alice", sessionId: "s1" });
    release();
    await pending;
    expect(verifiedTokens.get(token)).toBeUndefined();
  });

  it("keeps serving a token checked before while the session subgraph is down; a new one gets 'unavailable'", async () => {
    const { auth, sessions, advance } = setup();
    const known = await bearer("alice", "s1");
    await auth.authenticate(known);
    advance(60_001);
    sessions.fail(true);
    expect(await auth.authenticate(known)).toMatchObject({ kind: "viewer" });
    expect(await auth.authenticate(await bearer("alice", "s2"))).toMatchObject({ kind: "unavailable" });
    // A revoked token is not revived by an outage.
    auth.revoke({ kind: "session", userId: "alice", sessionId: "s1" });
    expect(await auth.authenticate(known)).toMatchObject({ kind: "unavailable" });
  });

  it("recheckUser drops only that user's verdicts", async () => {
    const { auth, verifiedTokens, sessions } = setup();
    sessions.versions.set("bob", 0);
    const [a, b] = [await bearer("alice", "s1"), await bearer("bob", "s9")];
    await auth.authenticate(a);
    await auth.authenticate(b);
    auth.recheckUser("alice");
    expect(verifiedTokens.get(a)).toBeUndefined();
    expect(verifiedTokens.get(b)).toBeDefined();
  });
});

describe("authenticator without session checks", () => {
  it("checks signature and lifetime only, and remembers until expiry", async () => {
    const verifiedTokens = createVerifiedTokens();
    const auth = createAuthenticator({ jwtSecret: SECRET, lifetime: { maxTtlSeconds: 3600 }, verifiedTokens, logger });
    const token = `Bearer ${await signAccessToken(SECRET, "anyone", 600)}`;
    expect(await auth.authenticate(token)).toMatchObject({ kind: "viewer", viewer: { id: "anyone" } });
    expect(verifiedTokens.get(token)).toMatchObject({ id: "anyone" });
    expect(await auth.authenticate(`Bearer ${await signAccessToken(SECRET, "anyone", 7200)}`)).toMatchObject({
      kind: "rejected",
    });
  });
});
