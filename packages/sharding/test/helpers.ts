import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const packageRoot = fileURLToPath(new URL("..", import.meta.url));
export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
export const fixturePrismaDir = join(packageRoot, "test", "fixtures", "prisma");
export const fixtureMigrationsDir = join(fixturePrismaDir, "migrations");

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `plaza-sharding-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A writable copy of the fixture migrations (tests edit it). */
export function copyFixtureMigrations(into: string): string {
  const target = join(into, "migrations");
  cpSync(fixtureMigrationsDir, target, { recursive: true });
  return target;
}
