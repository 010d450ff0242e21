import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { ServiceName } from "./install.ts";
import { isPortFree, LOOPBACK_HOST } from "./free-port.ts";
import {
  isProcessAlive,
  logShowsPortInUse,
  PortInUseError,
  terminateProcess,
  waitUntilReady,
  type ServiceProcess,
} from "./managed-process.ts";

/** What every start* function returns. */
export interface ServiceHandle {
  readonly service: ServiceName;
  /** Loopback port clients connect to (127.0.0.1). */
  readonly port: number;
  readonly dataDir: string;
  /** The server's stdout/stderr. */
  readonly logFile: string;
  /** OS process id while running. */
  readonly pid: number | undefined;
  isRunning(): boolean;
  /** Stops the server cleanly (SIGKILL after a grace period); keeps its data. Idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data and waits until it is ready. No-op while running. */
  start(): Promise<void>;
  /** stop() and delete the data directory if start* created it (temporary directories only). */
  destroy(): Promise<void>;
}

export interface LifecycleSpec {
  service: ServiceName;
  /** Ports the server binds; checked free before each launch, or a readiness probe could reach another server there. */
  ports: readonly number[];
  /** Spawns the server process (not yet ready). */
  launch(): Promise<ServiceProcess>;
  /** One readiness probe; errors count as "not yet". */
  isReady(): Promise<boolean>;
  startTimeoutMs: number;
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  /** Paths deleted by destroy(). */
  removeOnDestroy: readonly string[];
}

export interface Lifecycle {
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
  pid(): number | undefined;
  isRunning(): boolean;
}

/** The part of a handle every service shares, bound to its lifecycle. */
export function serviceHandle<S extends ServiceName>(
  service: S,
  port: number,
  dirs: { dataDir: string; logFile: string },
  lifecycle: Lifecycle,
): ServiceHandle & { service: S } {
  return {
    service,
    port,
    dataDir: dirs.dataDir,
    logFile: dirs.logFile,
    get pid() {
      return lifecycle.pid();
    },
    isRunning: lifecycle.isRunning,
    start: lifecycle.start,
    stop: lifecycle.stop,
    destroy: lifecycle.destroy,
  };
}

/** Start/stop bookkeeping shared by the three services; calls are serialised so stop() during start() is safe. */
export function createLifecycle(spec: LifecycleSpec): Lifecycle {
  let current: ServiceProcess | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const running = () => current !== undefined && current.exit() === undefined;
  const serialise = <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  };

  const stopNow = async () => {
    const proc = current;
    current = undefined;
    if (!proc || proc.exit()) return;
    await terminateProcess(proc.pid, { signal: spec.stopSignal, timeoutMs: spec.stopTimeoutMs, exited: proc.exited });
  };

  return {
    start: () =>
      serialise(async () => {
        if (running()) return;
        for (const port of spec.ports) {
          if (!(await isPortFree(port))) {
            throw new PortInUseError(`${spec.service}: port ${LOOPBACK_HOST}:${port} is already in use by another process`);
          }
        }
        const proc = await spec.launch();
        current = proc;
        try {
          await waitUntilReady(proc, spec.isReady, { timeoutMs: spec.startTimeoutMs });
        } catch (error) {
          await stopNow();
          throw error;
        }
      }),
    stop: () => serialise(stopNow),
    destroy: () =>
      serialise(async () => {
        await stopNow();
        for (const path of spec.removeOnDestroy) rmSync(path, { recursive: true, force: true });
      }),
    pid: () => (running() ? current?.pid : undefined),
    isRunning: running,
  };
}

export interface ServiceDirs {
  dataDir: string;
  logFile: string;
  /** Set when we created a temporary directory that destroy() should delete. */
  tempRoot?: string;
}

/**
 * Temporary services live in one mkdtemp folder (`<tmp>/plaza-<service>-XXXX/{data,<service>.log}`).
 * With a given data dir, the log defaults to a sibling file `<dataDir>.log` (Postgres wants its data dir to itself).
 */
export async function prepareServiceDirs(
  service: ServiceName,
  options: { dataDir?: string; logFile?: string },
): Promise<ServiceDirs> {
  if (options.dataDir !== undefined) {
    const dataDir = resolve(options.dataDir);
    mkdirSync(dirname(dataDir), { recursive: true });
    const logFile = resolve(options.logFile ?? `${dataDir}.log`);
    mkdirSync(dirname(logFile), { recursive: true });
    return { dataDir, logFile };
  }
  sweepAbandonedTempDirs();
  const tempRoot = await mkdtemp(join(tmpdir(), `${TEMP_PREFIX}${service}-`));
  writeFileSync(join(tempRoot, OWNER_FILE), `${process.pid}\n`);
  // mkdtemp makes it 0700; Postgres may run as another OS user and must be able to reach its data dir.
  chmodSync(tempRoot, 0o755);
  const logFile = resolve(options.logFile ?? join(tempRoot, `${service}.log`));
  mkdirSync(dirname(logFile), { recursive: true });
  return { dataDir: join(tempRoot, "data"), logFile, tempRoot };
}

const TEMP_PREFIX = "plaza-";
const TEMP_PATTERN = /^plaza-(postgres|redis|kafka)-[A-Za-z0-9]{6}$/;
/** Pid of the process that created a temporary service directory. */
const OWNER_FILE = ".plaza-owner";
let swept = false;

/**
 * Deletes temporary service directories whose creating process is gone (killed test runs cannot clean up after
 * themselves; their servers died with them, see parentDeathSignal). Directories without an owner file are left alone.
 */
function sweepAbandonedTempDirs(): void {
  if (swept) return;
  swept = true;
  for (const name of readdirSync(tmpdir())) {
    if (!TEMP_PATTERN.test(name)) continue;
    const dir = join(tmpdir(), name);
    try {
      const owner = Number(readFileSync(join(dir, OWNER_FILE), "utf8").trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && !isProcessAlive(owner)) {
        rmSync(dir, { recursive: true, force: true });
      }
    } catch {
      // no owner file, or another process swept it first
    }
  }
}

/**
 * Runs `attempt` with a freshly chosen port, retrying (up to 3 times) when the server reports the port taken —
 * another process may grab a "free" port between our probe and the server's bind. A caller-chosen port is never retried.
 */
export async function withPortRetry<T>(portWasChosenByCaller: boolean, logFile: string, attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await attempt();
    } catch (error) {
      const portTaken = error instanceof PortInUseError || logShowsPortInUse(logFile);
      if (portWasChosenByCaller || tries >= 3 || !portTaken) throw error;
    }
  }
}

/**
 * Deletes a temporary directory when starting failed (the error message already quotes the log).
 * PLAZA_TEST_KEEP_DATA=1 keeps it for inspection.
 */
export async function removeTempDirOnFailure<T>(dirs: ServiceDirs, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (dirs.tempRoot && process.env.PLAZA_TEST_KEEP_DATA !== "1") rmSync(dirs.tempRoot, { recursive: true, force: true });
    throw error;
  }
}
