import { execFileSync } from "node:child_process";
import { cpus, platform, release, totalmem } from "node:os";
import { repoRoot } from "../process-stack.ts";

/** The machine a run's figures belong to (they compare only within one run). */
export function machineInfo() {
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model.trim() ?? "unknown",
    cores: cores.length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
  };
}

/** HEAD's short hash, with `+dirty` when the worktree has uncommitted changes. */
export function gitCommit(): string {
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repoRoot, encoding: "utf8" }).trim();
    return `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--untracked-files=no") ? "+dirty" : ""}`;
  } catch {
    return "unknown";
  }
}
