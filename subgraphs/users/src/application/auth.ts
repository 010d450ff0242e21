import { PlazaError } from "@plaza/kit/domain-errors";
import { checkPassword, normalizeDisplayName, normalizeEmail, normalizeHandle, type User } from "../domain/user.ts";
import type { AuthThrottle } from "./auth-throttle.ts";
import type { PasswordHasher } from "./ports/password-hasher.port.ts";
import type { IssuedToken, TokenIssuer } from "./ports/token-issuer.port.ts";
import type { UserRepository } from "./ports/user-repository.port.ts";
import { userRegistered } from "./user-events.ts";

export interface AuthDeps {
  users: UserRepository;
  hasher: PasswordHasher;
  tokens: TokenIssuer;
  /** Sign-in and sign-up limits, checked before any password work. */
  throttle: AuthThrottle;
}

export type AuthResult = IssuedToken & { user: User };

export async function signUp(
  deps: AuthDeps,
  input: { email: string; password: string; handle: string; displayName: string },
  /** The client's address from the router's signed identity (undefined: not limited per address). */
  clientIp?: string,
): Promise<AuthResult> {
  const email = normalizeEmail(input.email);
  const handle = normalizeHandle(input.handle);
  const displayName = normalizeDisplayName(input.displayName);
  const password = checkPassword(input.password);
  // After the cheap checks (a typo costs no sign-up), before the hash and the insert.
  await deps.throttle.beforeSignUp(clientIp);
  const passwordHash = await deps.hasher.hash(password);
  const user = await deps.users.create({ email, handle, displayName, passwordHash }, userRegistered);
  return { ...(await deps.tokens.issue(user.id)), user };
}

// One answer for "no such email" and "wrong password", so sign-in does not reveal which emails exist.
const invalidCredentials = () => new PlazaError("UNAUTHENTICATED", "Invalid email or password");

export function createSignIn(deps: AuthDeps) {
  // Verifying against a real hash when the email is unknown keeps both answers equally slow.
  const decoyHash = deps.hasher.hash("decoy-password-0");
  return async (input: { email: string; password: string; clientIp?: string }): Promise<AuthResult> => {
    // First of all: a refused attempt costs no hash, and is refused alike whether the email exists or not.
    const attempt = await deps.throttle.beforeSignIn(input.email, input.clientIp);
    let email: string;
    try {
      email = normalizeEmail(input.email);
    } catch {
      await deps.hasher.verify(await decoyHash, input.password);
      throw invalidCredentials();
    }
    const user = await deps.users.findByEmail(email);
    const valid = await deps.hasher.verify(user?.passwordHash ?? (await decoyHash), input.password);
    if (!user || !valid) throw invalidCredentials();
    await attempt.succeeded();
    const { passwordHash: _hash, ...publicUser } = user;
    return { ...(await deps.tokens.issue(user.id)), user: publicUser };
  };
}
