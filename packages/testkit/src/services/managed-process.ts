import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, readSync, fstatSync, writeSync } from "node:fs";
import { describeError, sleep } from "../wait-for.ts";
import { findExecutable } from "./executables.ts";

export interface SpawnServiceOptions {
  /** Used in messages ("postgres", "kafka" …). */
  name: string;
  command: string;
  args: readonly string[];
  /** stdout and stderr are appended here. */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this OS user (only possible as root): Postgres refuses to run as root. */
  user?: OsUser;
  /**
   * Outlive this Node process (own process group, not killed when we exit) — for `infra:up`.
   * Attached services are killed when this process exits, so a crashed test run leaves nothing behind.
   */
  detached?: boolean;
  /** Signal an attached service gets from the kernel if this process dies without cleaning up (default SIGTERM). */
  parentDeathSignal?: NodeJS.Signals;
}

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
  home?: string;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  /** Set once the process has exited. */
  exit(): ProcessExit | undefined;
}

const START_MARKER = "--- plaza: ";

const attachedChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAttachedChildrenOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Only synchronous work is possible in an "exit" handler: SIGKILL is the one signal that needs no waiting.
  process.once("exit", () => {
    for (const child of attachedChildren) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });
}

export async function spawnService(options: SpawnServiceOptions): Promise<ServiceProcess> {
  const logFd = openSync(options.logFile, "a");
  writeSync(
    logFd,
    `\n${START_MARKER}${new Date().toISOString()} starting ${options.name}: ${options.command} ${options.args.join(" ")}\n`,
  );
  const [command, args] = options.detached
    ? [options.command, options.args]
    : withParentDeathSignal(options.command, options.args, options.parentDeathSignal ?? "SIGTERM");
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", logFd, logFd],
      detached: options.detached ?? false,
      uid: options.user?.uid,
      gid: options.user?.gid,
    });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(logFd);
  }

  let exitInfo: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("exit", (code, signal) => {
      exitInfo = { code, signal };
      attachedChildren.delete(child);
      resolve(exitInfo);
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));

  if (child.pid === undefined) {
    const error = await spawnError;
    throw new Error(`${options.name}: could not run ${options.command}: ${describeError(error)}`, { cause: error });
  }
  if (options.detached) child.unref();
  else {
    attachedChildren.add(child);
    killAttachedChildrenOnExit();
  }

  return {
    name: options.name,
    pid: child.pid,
    logFile: options.logFile,
    exited,
    exit: () => exitInfo,
  };
}

/**
 * An "exit" handler cannot run when this process is killed by a signal (e.g. `timeout` sending SIGTERM to vitest), which
 * would orphan a 512 MB broker. On Linux, util-linux `setpriv --pdeathsig` makes the kernel signal the service when its
 * parent dies; setpriv then execs the service in place, so the pid stays the service's. Elsewhere, the exit hook only.
 */
function withParentDeathSignal(command: string, args: readonly string[], signal: NodeJS.Signals): [string, readonly string[]] {
  if (process.platform !== "linux") return [command, args];
  setprivPath ??= findExecutable("setpriv") ?? null;
  if (!setprivPath) return [command, args];
  return [setprivPath, [`--pdeathsig=${signal.replace(/^SIG/, "")}`, "--", command, ...args]];
}

let setprivPath: string | null | undefined;

/** Whether a process exists and is not a zombie (containers' PID 1 does not always reap orphans). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return true; // no /proc (macOS): trust kill(0)
  }
}

/** The command line of a running process, or undefined (no /proc, or gone). Guards against recycled pids. */
export function processCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return undefined;
  }
}

export interface TerminateOptions {
  /** First signal (Postgres wants SIGINT for a fast shutdown; others SIGTERM). */
  signal?: NodeJS.Signals;
  /** How long to wait for a clean exit before SIGKILL. */
  timeoutMs?: number;
  /** The exit promise when the process is our child (faster than polling). */
  exited?: Promise<unknown>;
}

/** Sends `signal`, waits up to `timeoutMs` for the process to go away, then SIGKILLs it. */
export async function terminateProcess(
  pid: number,
  options: TerminateOptions = {},
): Promise<"exited" | "killed" | "not-running"> {
  const { signal = "SIGTERM", timeoutMs = 20_000, exited } = options;
  if (!isProcessAlive(pid)) return "not-running";
  if (!sendSignal(pid, signal)) return "not-running";
  if (await waitForProcessExit(pid, timeoutMs, exited)) return "exited";
  sendSignal(pid, "SIGKILL");
  await waitForProcessExit(pid, 5_000, exited);
  return "killed";
}

function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

async function waitForProcessExit(pid: number, timeoutMs: number, exited?: Promise<unknown>): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  if (exited) {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const result = await Promise.race([exited.then(() => true), timedOut]);
    clearTimeout(timer);
    return result;
  }
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await sleep(50);
  }
  return !isProcessAlive(pid);
}

/** The last `lines` lines of a log file (reads at most the last 64 KiB). */
export function readLogTail(file: string, lines = 40): string {
  if (!existsSync(file)) return "(no log file)";
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString("utf8").split("\n").slice(-lines).join("\n").trimEnd();
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether the latest start (text after the last "--- … starting" marker spawnService writes) failed on a taken port:
 * matches the messages of Postgres, Redis and the JVM.
 */
export function logShowsPortInUse(file: string): boolean {
  const tail = readLogTail(file, 200);
  const latestStart = tail.slice(Math.max(0, tail.lastIndexOf(START_MARKER)));
  return /address already in use|could not bind|BindException|bind: /i.test(latestStart);
}

/**
 * What a start failure message should show: the lines of the latest start that look like errors (a JVM logs pages of
 * shutdown noise after the one line that matters), then the last lines.
 */
export function summariseLog(file: string): string {
  const tail = readLogTail(file, 400);
  const latestStart = tail.slice(Math.max(0, tail.lastIndexOf(START_MARKER)));
  const errors = latestStart
    .split("\n")
    .filter((line) => /\b(ERROR|FATAL|PANIC)\b|Exception|# Warning|address already in use/i.test(line))
    .slice(0, 12);
  const last = readLogTail(file, 15);
  return errors.length > 0 ? `${errors.join("\n")}\n…\n${last}` : last;
}

export class ServiceStartError extends Error {
  override readonly name: string = "ServiceStartError";
}

/** A port the service needs is taken (found before launching it). */
export class PortInUseError extends ServiceStartError {
  override readonly name = "PortInUseError";
}

export interface WaitUntilReadyOptions {
  timeoutMs: number;
  intervalMs?: number;
}

/**
 * Polls `isReady` until it answers true. Fails fast, with the end of the service's log, when the
 * process exits first; fails with the same detail on timeout.
 */
export async function waitUntilReady(
  proc: ServiceProcess,
  isReady: () => Promise<boolean>,
  { timeoutMs, intervalMs = 100 }: WaitUntilReadyOptions,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const exit = proc.exit();
    if (exit) {
      throw new ServiceStartError(
        `${proc.name} (pid ${proc.pid}) exited with ${exit.signal ?? `code ${exit.code}`} before it was ready. ` +
          `From ${proc.logFile}:\n${summariseLog(proc.logFile)}`,
      );
    }
    try {
      if (await isReady()) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await Promise.race([sleep(intervalMs), proc.exited]);
  }
  throw new ServiceStartError(
    `${proc.name} (pid ${proc.pid}) was not ready after ${timeoutMs} ms` +
      (lastError ? ` (last check: ${describeError(lastError)})` : "") +
      `. From ${proc.logFile}:\n${summariseLog(proc.logFile)}`,
  );
}
