import { hash, verify } from "@node-rs/argon2";

// @node-rs/argon2 exports Algorithm as a const enum, which isolatedModules cannot inline.
const ARGON2ID = 2;
import type { PasswordHasher } from "../../application/ports/password-hasher.port.ts";

/** argon2id with OWASP's minimum recommended parameters (19 MiB, 2 passes) unless configured otherwise. */
export function createArgon2PasswordHasher(opts: { memoryCostKiB?: number; timeCost?: number } = {}): PasswordHasher {
  const params = { algorithm: ARGON2ID, memoryCost: opts.memoryCostKiB ?? 19_456, timeCost: opts.timeCost ?? 2, parallelism: 1 };
  return {
    hash: (password) => hash(password, params),
    async verify(passwordHash, password) {
      try {
        return await verify(passwordHash, password);
      } catch {
        return false; // a corrupt stored hash must read as "wrong password", not as a crash
      }
    },
  };
}
