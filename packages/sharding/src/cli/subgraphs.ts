/**
 * Shared by the operator CLIs: where the repository is, which subgraphs have a Prisma directory,
 * and each subgraph's shard settings (`<NAME>_DATABASE_SHARD_URLS`,
 * else embedded PGlite under DATA_DIR).
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseShardConfig, type Env, type ShardConfig } from "../shard-config.ts";

/** The repository root: four levels above this file (packages/sharding/src/cli). */
export const defaultRoot = resolve(fileURLToPath(new URL("../../../../", import.meta.url)));

export interface Subgraph {
  readonly name: string;
  /** prisma/<name> */
  readonly prismaDir: string;
  readonly migrationsDir: string;
  readonly config: ShardConfig;
}

/** Loads `<root>/.env` when present; variables already set in the environment win. */
export function loadDotEnv(root: string): void {
  const file = join(root, ".env");
  if (existsSync(file)) process.loadEnvFile(file);
}

/** `users` → `USERS`; `read-model` → `READ_MODEL`. */
export function envPrefix(subgraph: string): string {
  return subgraph.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
}

/**
 * The subgraphs under `<root>/prisma/`, optionally only `only`, with their shard settings.
 * Throws one error listing every unknown name and bad setting.
 */
export function discoverSubgraphs(root: string, env: Env, only: readonly string[] = []): Subgraph[] {
  const prismaRoot = join(root, "prisma");
  const names = existsSync(prismaRoot)
    ? readdirSync(prismaRoot, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
        .map((entry) => entry.name)
        .filter((name) => existsSync(join(prismaRoot, name, "migrations")) || existsSync(join(prismaRoot, name, "schema.prisma")))
        .sort()
    : [];
  const problems: string[] = [];
  for (const name of only) {
    if (!names.includes(name))
      problems.push(`unknown subgraph "${name}" (known: ${names.join(", ") || "none"} under ${prismaRoot})`);
  }
  const subgraphs: Subgraph[] = [];
  for (const name of only.length > 0 ? names.filter((candidate) => only.includes(candidate)) : names) {
    const result = parseShardConfig(envPrefix(name), env, {
      service: name,
      dataDir: env.DATA_DIR?.trim() ? resolve(root, env.DATA_DIR.trim()) : join(root, ".data"),
    });
    if (!result.ok) {
      problems.push(...result.problems.map((problem) => `${name}: ${problem}`));
      continue;
    }
    const prismaDir = join(prismaRoot, name);
    subgraphs.push({ name, prismaDir, migrationsDir: join(prismaDir, "migrations"), config: result.config });
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return subgraphs;
}

/** Connection options for an operator command: a couple of connections per shard is plenty. */
export function shardOptions(config: ShardConfig): {
  shardUrls?: readonly string[];
  pgliteDirs?: readonly string[];
  poolMax?: number;
} {
  return config.kind === "postgres" ? { shardUrls: config.shardUrls, poolMax: 2 } : { pgliteDirs: config.pgliteDirs };
}
