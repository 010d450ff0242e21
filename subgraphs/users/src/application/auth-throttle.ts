import { createHash } from "node:crypto";
import type { RateLimitDecision, RateLimiter } from "@plaza/kit";
import { ipRateLimitKey } from "@plaza/kit/client-ip";
import { rateLimited } from "@plaza/kit/domain-errors";

/**
 * The limits on sign-in and sign-up, each one RateLimiter (GCRA: a burst, then a steady refill):
 *
 * - `signInIp`: every sign-in attempt per client address (an IPv6 /64): bounds the argon2 work one client can make
 *   us do, whichever accounts it tries.
 * - `signInAccountIp`: failed sign-ins per account *and* address, tight: a client guessing one account's password
 *   stops after a few tries, while the owner signing in from elsewhere is not affected.
 * - `signInAccount`: failed sign-ins per account from every address, loose: a ceiling on guessing spread over many
 *   addresses. Reaching it refuses the owner too (the lockout an attacker could cause), which is why it is set
 *   high — an attacker needs that many attempts, through at least limit ÷ signInAccountIp's limit addresses, each
 *   also counted by signInIp, to lock anyone out.
 * - `signUpIp`: sign-ups per client address.
 *
 * Every check runs before any password is hashed or verified, and keys by the email as typed (normalized) whether
 * or not an account has it, so a refusal costs nothing and tells nothing.
 */
export interface AuthLimiters {
  signInIp: RateLimiter;
  signInAccountIp: RateLimiter;
  signInAccount: RateLimiter;
  signUpIp: RateLimiter;
}

export interface AuthThrottle {
  /**
   * Takes one attempt for the address and one failure for the account (pessimistically: an attempt is a failure
   * until it succeeds), or throws RATE_LIMITED. The returned `succeeded` forgives the account's failures.
   */
  beforeSignIn(email: string, clientIp: string | undefined): Promise<{ succeeded(): Promise<void> }>;
  /** Takes one sign-up for the address, or throws RATE_LIMITED. */
  beforeSignUp(clientIp: string | undefined): Promise<void>;
}

export type ThrottledLimit = keyof AuthLimiters;

const SIGN_IN_REFUSED = "Too many sign-in attempts: try again later";
const SIGN_UP_REFUSED = "Too many sign-ups from this address: try again later";

/**
 * The account's key: a digest of the email as typed (trimmed, lower-case), so keys are short, hold no addresses and
 * cannot be told apart for accounts that exist and ones that do not.
 */
const accountKey = (email: string) => createHash("sha256").update(email.trim().toLowerCase()).digest("base64url").slice(0, 22);

export function createAuthThrottle(limiters: AuthLimiters, opts: { onRateLimited?: (limit: ThrottledLimit) => void } = {}) {
  const refuse = (limit: ThrottledLimit, decision: RateLimitDecision, message: string) => {
    opts.onRateLimited?.(limit);
    return rateLimited(message, decision.retryAfterMs);
  };

  const throttle: AuthThrottle = {
    async beforeSignIn(email, clientIp) {
      const ip = clientIp === undefined ? undefined : ipRateLimitKey(clientIp);
      // Without an address (a caller other than the router), only the account-wide limit applies.
      if (ip !== undefined) {
        const attempt = await limiters.signInIp.consume(ip);
        if (!attempt.allowed) throw refuse("signInIp", attempt, SIGN_IN_REFUSED);
      }
      const account = accountKey(email);
      const pair = ip === undefined ? undefined : `${account}|${ip}`;
      if (pair !== undefined) {
        const failure = await limiters.signInAccountIp.consume(pair);
        if (!failure.allowed) throw refuse("signInAccountIp", failure, SIGN_IN_REFUSED);
      }
      const failure = await limiters.signInAccount.consume(account);
      if (!failure.allowed) throw refuse("signInAccount", failure, SIGN_IN_REFUSED);
      return {
        async succeeded() {
          // The owner proved the password: failures so far (theirs or a guesser's) no longer count against them.
          await Promise.all([limiters.signInAccount.reset(account), pair !== undefined && limiters.signInAccountIp.reset(pair)]);
        },
      };
    },
    async beforeSignUp(clientIp) {
      const ip = clientIp === undefined ? undefined : ipRateLimitKey(clientIp);
      if (ip === undefined) return;
      const decision = await limiters.signUpIp.consume(ip);
      if (!decision.allowed) throw refuse("signUpIp", decision, SIGN_UP_REFUSED);
    },
  };
  return throttle;
}
