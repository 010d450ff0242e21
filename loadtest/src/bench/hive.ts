// Hive Gateway lives in loadtest/gateways/hive/ (its own package.json and lock, not a Plaza workspace), so Plaza's
// `npm install` stays light: the bench installs it there on its first run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../process-stack.ts";

export const HIVE_DIR = join(repoRoot, "loadtest/gateways/hive");

/** Installs Hive Gateway (and, optionally, its Rust planner) from the committed lock unless already there. */
export function ensureHiveInstalled(log: (line: string) => void): void {
  if (existsSync(join(HIVE_DIR, "node_modules/@graphql-hive/gateway/package.json"))) return;
  log(`installing Hive Gateway into ${HIVE_DIR} (first run only)…`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const run = (args: string[]) =>
    spawnSync(npm, [...args, "--prefix", HIVE_DIR, "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: HIVE_DIR,
      stdio: ["ignore", "inherit", "inherit"],
    }).status;
  if (run(["ci"]) === 0) return;
  // A lock written on one platform may lack another's optional native packages, which `npm ci` refuses: resolve
  // from package.json's exact versions instead, leaving the committed lock alone.
  log("npm ci refused the committed lock here; installing from package.json instead…");
  const status = run(["install", "--no-package-lock"]);
  if (status !== 0) throw new Error(`installing Hive Gateway into ${HIVE_DIR} failed (exit ${status})`);
}

/**
 * Whether Hive Router's query planner loads here (an optional native package: it may have failed to install for this
 * platform): undefined when it does, else the reason, which the report shows instead of the variant.
 */
export function rustPlannerUnavailable(): string | undefined {
  const probe = spawnSync(process.execPath, ["--input-type=module", "-e", 'await import("@graphql-hive/router-runtime")'], {
    cwd: HIVE_DIR,
    encoding: "utf8",
  });
  if (probe.status === 0) return undefined;
  const reason = (probe.stderr || probe.stdout || `exit ${probe.status}`)
    .trim()
    .split("\n")
    .find((line) => /Error/.test(line));
  return `@graphql-hive/router-runtime does not load: ${reason ?? `exit ${probe.status}`}`;
}
