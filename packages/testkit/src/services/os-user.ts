import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { OsUser } from "./managed-process.ts";

/** Looks a user up through NSS (getent), falling back to /etc/passwd. */
export function lookupOsUser(name: string): OsUser | undefined {
  const fromGetent = spawnSync("getent", ["passwd", name], { encoding: "utf8" });
  const line =
    fromGetent.status === 0
      ? fromGetent.stdout.trim()
      : safeRead("/etc/passwd")
          .split("\n")
          .find((entry) => entry.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid, , home] = line.split(":");
  if (uid === undefined || gid === undefined) return undefined;
  return { name, uid: Number(uid), gid: Number(gid), home };
}

/** Whether `user` can create files in `dir` (every ancestor traversable, dir writable). */
export function userCanWrite(user: OsUser, dir: string): boolean {
  const result = spawnSync("sh", ["-c", 'test -d "$1" && test -w "$1" && test -x "$1"', "sh", dir], {
    uid: user.uid,
    gid: user.gid,
  });
  return result.status === 0;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
