import { spawn } from "node:child_process";
import type { OsUser } from "./managed-process.ts";

export interface RunCommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  user?: OsUser;
  timeoutMs?: number;
}

export interface CommandResult {
  code: number | null;
  output: string;
}

/** Runs a short-lived command to completion, capturing stdout and stderr together. Never rejects on exit codes. */
export function runCommand(command: string, args: readonly string[], options: RunCommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      uid: options.user?.uid,
      gid: options.user?.gid,
      timeout: options.timeoutMs,
    });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output: Buffer.concat(chunks).toString("utf8") }));
  });
}

/** Like runCommand, but throws (with the command's output) unless it exits 0. */
export async function runCommandOrThrow(
  command: string,
  args: readonly string[],
  options: RunCommandOptions & { what: string },
): Promise<string> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${options.what} failed (exit ${result.code}): ${command} ${args.join(" ")}\n${lastLines(result.output, 40)}`,
    );
  }
  return result.output;
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split("\n").slice(-count).join("\n");
}
