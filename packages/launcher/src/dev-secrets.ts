import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const SECRET_KEYS = ["JWT_SECRET", "INTERNAL_AUTH_KEY"] as const;

/**
 * `npm start` must work with nothing configured, yet tokens must survive restarts: missing secrets are generated
 * once and kept in `.data/secrets.json` (ignored by git). Production refuses to run without configured secrets.
 */
export function withDevSecrets(env: Record<string, string | undefined>, dataDir: string): Record<string, string | undefined> {
  const missing = SECRET_KEYS.filter((key) => !env[key]);
  if (missing.length === 0 || env.NODE_ENV === "production") return env;
  const file = join(dataDir, "secrets.json");
  const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  let changed = false;
  for (const key of missing) {
    if (!stored[key]) {
      stored[key] = randomBytes(32).toString("base64url");
      changed = true;
    }
  }
  if (changed) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return { ...env, ...Object.fromEntries(missing.map((key) => [key, stored[key]])) };
}
