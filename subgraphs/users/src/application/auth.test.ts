import { describe, expect, it } from "vitest";
import { createMemoryRateLimiter, PlazaError } from "@plaza/kit";
import { createSignIn, signUp, type AuthDeps } from "./auth.ts";
import { createAuthThrottle, type AuthLimiters } from "./auth-throttle.ts";
import type { UserRepository } from "./ports/user-repository.port.ts";

const PASSWORD = "correct horse battery 9";
const stored = {
  id: "u1",
  email: "ann@example.com",
  handle: "ann",
  displayName: "Ann",
  bio: null,
  createdAt: new Date(0),
  passwordHash: `hash:${PASSWORD}`,
};

/** A clock tests move by hand, shared by every limiter. */
function limiters(overrides: Partial<Record<keyof AuthLimiters, number>> = {}) {
  let now = 1_000_000;
  const clock = () => now;
  const make = (limit: number, windowMs: number) => createMemoryRateLimiter({ limit, windowMs, now: clock });
  return {
    advance: (ms: number) => void (now += ms),
    limiters: {
      signInIp: make(overrides.signInIp ?? 20, 60_000),
      signInAccountIp: make(overrides.signInAccountIp ?? 5, 15 * 60_000),
      signInAccount: make(overrides.signInAccount ?? 100, 3600_000),
      signUpIp: make(overrides.signUpIp ?? 5, 3600_000),
    },
  };
}

function setup(overrides: Partial<Record<keyof AuthLimiters, number>> = {}) {
  const clock = limiters(overrides);
  const hashing = { hash: 0, verify: 0 };
  const refused: string[] = [];
  const deps: AuthDeps = {
    users: {
      findByEmail: async (email: string) => (email === stored.email ? stored : null),
      create: async (user: { email: string; handle: string; displayName: string }) => ({ ...stored, ...user, id: "u2" }),
    } as unknown as UserRepository,
    hasher: {
      hash: async (password) => (hashing.hash++, `hash:${password}`),
      verify: async (hash, password) => (hashing.verify++, hash === `hash:${password}`),
    },
    tokens: { issue: async (userId) => ({ token: `token-${userId}`, expiresAt: new Date(0) }) },
    throttle: createAuthThrottle(clock.limiters, { onRateLimited: (limit) => refused.push(limit) }),
  };
  return { ...clock, deps, hashing, refused, signIn: createSignIn(deps) };
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; retryAfterSeconds?: unknown; message: string }> {
  try {
    await promise;
    return { code: "OK", message: "" };
  } catch (err) {
    if (!(err instanceof PlazaError)) throw err;
    return { code: err.code, retryAfterSeconds: err.extensions.retryAfterSeconds, message: err.message };
  }
}

describe("sign-in throttling", () => {
  it("refuses an account's 6th wrong password from one address, before hashing anything", async () => {
    const t = setup();
    for (let i = 0; i < 5; i++) {
      expect((await codeOf(t.signIn({ email: stored.email, password: `wrong${i}`, clientIp: "203.0.113.1" }))).code).toBe(
        "UNAUTHENTICATED",
      );
    }
    const verifiedBefore = t.hashing.verify;
    const refused = await codeOf(t.signIn({ email: stored.email, password: PASSWORD, clientIp: "203.0.113.1" }));
    expect(refused).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: 180 });
    expect(t.hashing.verify).toBe(verifiedBefore);
    expect(t.refused).toEqual(["signInAccountIp"]);
    // The owner elsewhere is not locked out, and signing in forgives the failures.
    expect((await codeOf(t.signIn({ email: stored.email, password: PASSWORD, clientIp: "198.51.100.2" }))).code).toBe("OK");
    expect((await codeOf(t.signIn({ email: stored.email, password: PASSWORD, clientIp: "203.0.113.1" }))).code).toBe(
      "RATE_LIMITED",
    );
    t.advance(180_000);
    expect((await codeOf(t.signIn({ email: stored.email, password: PASSWORD, clientIp: "203.0.113.1" }))).code).toBe("OK");
    for (let i = 0; i < 5; i++) {
      expect((await codeOf(t.signIn({ email: stored.email, password: "wrong", clientIp: "203.0.113.1" }))).code).toBe(
        "UNAUTHENTICATED",
      );
    }
  });

  it("answers an unknown email exactly as a known one", async () => {
    const known = setup();
    const unknown = setup();
    const answers = async (t: ReturnType<typeof setup>, email: string) => {
      const seen = [];
      for (let i = 0; i < 7; i++) seen.push(await codeOf(t.signIn({ email, password: "wrong", clientIp: "203.0.113.1" })));
      return seen;
    };
    expect(await answers(unknown, "nobody@example.com")).toEqual(await answers(known, stored.email));
    // The spelling does not matter: one account.
    expect((await codeOf(known.signIn({ email: "  ANN@example.com ", password: "x", clientIp: "203.0.113.1" }))).code).toBe(
      "RATE_LIMITED",
    );
  });

  it("counts every attempt per address, whichever accounts it tries", async () => {
    const t = setup({ signInIp: 3 });
    for (let i = 0; i < 3; i++) await codeOf(t.signIn({ email: `x${i}@example.com`, password: "p", clientIp: "2001:db8::1" }));
    const refused = await codeOf(t.signIn({ email: "y@example.com", password: "p", clientIp: "2001:db8::ffff" }));
    expect(refused).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: 20 });
    expect(t.refused).toEqual(["signInIp"]);
    // Another /64 is another client.
    expect((await codeOf(t.signIn({ email: stored.email, password: PASSWORD, clientIp: "2001:db8:0:1::1" }))).code).toBe("OK");
  });

  it("caps guessing spread over many addresses per account", async () => {
    const t = setup({ signInAccount: 8 });
    for (let i = 0; i < 8; i++) await codeOf(t.signIn({ email: stored.email, password: "wrong", clientIp: `203.0.113.${i}` }));
    const refused = await codeOf(t.signIn({ email: stored.email, password: PASSWORD, clientIp: "198.51.100.9" }));
    expect(refused.code).toBe("RATE_LIMITED");
    expect(t.refused).toEqual(["signInAccount"]);
  });

  it("refuses invalid emails by the same limits (they cost a decoy hash otherwise)", async () => {
    const t = setup();
    for (let i = 0; i < 5; i++) await codeOf(t.signIn({ email: "not-an-email", password: "p", clientIp: "203.0.113.1" }));
    expect((await codeOf(t.signIn({ email: "not-an-email", password: "p", clientIp: "203.0.113.1" }))).code).toBe("RATE_LIMITED");
  });
});

describe("sign-up throttling", () => {
  const input = (i: number) => ({ email: `n${i}@example.com`, password: PASSWORD, handle: `new_${i}`, displayName: "New" });

  it("refuses the 6th sign-up from one address before hashing", async () => {
    const t = setup();
    for (let i = 0; i < 5; i++) expect((await codeOf(signUp(t.deps, input(i), "::ffff:203.0.113.1"))).code).toBe("OK");
    const hashedBefore = t.hashing.hash;
    expect(await codeOf(signUp(t.deps, input(5), "203.0.113.1"))).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: 720 });
    expect(t.hashing.hash).toBe(hashedBefore);
    expect((await codeOf(signUp(t.deps, input(6), "203.0.113.2"))).code).toBe("OK");
  });

  it("does not count input it refuses anyway", async () => {
    const t = setup({ signUpIp: 1 });
    expect((await codeOf(signUp(t.deps, { ...input(0), email: "bad" }, "203.0.113.1"))).code).toBe("BAD_USER_INPUT");
    expect((await codeOf(signUp(t.deps, input(1), "203.0.113.1"))).code).toBe("OK");
  });
});
