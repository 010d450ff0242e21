import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  rmSync,
  rmdirSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Logger } from "pino";
import { findFreePort, LOOPBACK_HOST } from "./free-port.ts";
import { ensurePostgresInstalled, MissingDependencyError } from "./install.ts";
import { spawnService, type OsUser } from "./managed-process.ts";
import { isRoot, lookupOsUser, userCanWrite } from "./os-user.ts";
import { runCommandOrThrow } from "./run-command.ts";
import {
  createLifecycle,
  prepareServiceDirs,
  removeTempDirOnFailure,
  withPortRetry,
  type ServiceHandle,
  serviceHandle,
} from "./service-handle.ts";

/** The superuser initdb creates; connections from loopback are trusted (no password). */
export const POSTGRES_SUPERUSER = "postgres";

export interface StartPostgresOptions {
  /** Cluster directory (created and initdb'ed when empty). Default: a new temporary directory. */
  dataDir?: string;
  /** Default: a free loopback port. */
  port?: number;
  /** Default: `<dataDir>.log`, or inside the temporary directory. */
  logFile?: string;
  /** Default 300: every test file opens its own pools. */
  maxConnections?: number;
  /** Keep fsync/full_page_writes on (infra:up). Default false: tests trade crash safety for speed. */
  durable?: boolean;
  /** Keep running after this process exits (infra:up). */
  detached?: boolean;
  /** Extra server settings passed as `-c name=value`. */
  settings?: Record<string, string | number | boolean>;
  startTimeoutMs?: number;
  autoInstall?: boolean;
  logger?: Logger;
}

export interface PostgresHandle extends ServiceHandle {
  readonly service: "postgres";
  /** Superuser URL of database "postgres": `postgresql://postgres@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  /** URL of another database on the same server. */
  databaseUrl(database: string): string;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresHandle> {
  const { binDir, version } = await ensurePostgresInstalled(options);
  const runAs = resolveRunUser();
  const dirs = await prepareServiceDirs("postgres", options);
  return removeTempDirOnFailure(dirs, async () => {
    const clusterDir = preparePostgresDataDir(dirs.dataDir, runAs);
    const durable = options.durable ?? false;

    if (!existsSync(join(clusterDir, "PG_VERSION"))) {
      options.logger?.debug({ clusterDir }, "initdb");
      await runCommandOrThrow(
        join(binDir, "initdb"),
        [
          "-D",
          clusterDir,
          "-U",
          POSTGRES_SUPERUSER,
          "-A",
          "trust",
          "-E",
          "UTF8",
          "--no-locale",
          "--no-instructions",
          ...(durable ? [] : ["--no-sync"]),
        ],
        { what: "initdb", user: runAs, cwd: clusterDir, env: serverEnv() },
      );
    }

    const settings: Record<string, string | number | boolean> = {
      max_connections: options.maxConnections ?? 300,
      ...(durable ? {} : { fsync: "off", synchronous_commit: "off", full_page_writes: "off" }),
      ...options.settings,
    };

    return withPortRetry(options.port !== undefined, dirs.logFile, async () => {
      const port = options.port ?? (await findFreePort());
      const url = databaseUrlFor(port, "postgres");
      const lifecycle = createLifecycle({
        service: "postgres",
        ports: [port],
        launch: () =>
          spawnService({
            name: "postgres",
            command: join(binDir, "postgres"),
            args: [
              "-D",
              clusterDir,
              "-h",
              LOOPBACK_HOST,
              "-p",
              String(port),
              // No Unix socket: its path length and directory permissions are only trouble here.
              "-k",
              "",
              ...Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${String(value)}`]),
            ],
            logFile: dirs.logFile,
            cwd: clusterDir,
            env: serverEnv(),
            user: runAs,
            detached: options.detached,
            parentDeathSignal: "SIGINT",
          }),
        isReady: () => canQuery(url),
        startTimeoutMs: options.startTimeoutMs ?? 30_000,
        // SIGINT is Postgres's "fast" shutdown: it does not wait for clients (SIGTERM would).
        stopSignal: "SIGINT",
        stopTimeoutMs: 15_000,
        removeOnDestroy: dirs.tempRoot ? [dirs.tempRoot] : [],
      });
      await lifecycle.start();
      options.logger?.info({ port, dataDir: dirs.dataDir, version }, "postgres ready");
      return {
        ...serviceHandle("postgres", port, dirs, lifecycle),
        url,
        databaseUrl: (database: string) => databaseUrlFor(port, database),
      };
    });
  });
}

function databaseUrlFor(port: number, database: string): string {
  return `postgresql://${POSTGRES_SUPERUSER}@${LOOPBACK_HOST}:${port}/${encodeURIComponent(database)}`;
}

async function canQuery(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  // A refused connection also emits "error" on the client; without a listener that would crash the process.
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function serverEnv(): NodeJS.ProcessEnv {
  // Locale variables naming a locale the machine lacks make initdb and postgres complain; --no-locale uses C anyway.
  return { ...process.env, LC_ALL: "C", LANG: "C" };
}

/**
 * Postgres refuses to run as root. As root we run it as an unprivileged OS user (`postgres`, which the Debian
 * package creates, or PLAZA_PG_OS_USER); otherwise as ourselves.
 */
function resolveRunUser(): OsUser | undefined {
  if (!isRoot()) return undefined;
  const name = process.env.PLAZA_PG_OS_USER || "postgres";
  const user = lookupOsUser(name);
  if (!user) {
    throw new MissingDependencyError(
      `Running as root, Postgres must run as an unprivileged OS user, but user "${name}" does not exist. ` +
        `Install the postgresql package (it creates "postgres"), create the user, or set PLAZA_PG_OS_USER.`,
    );
  }
  return user;
}

/**
 * Makes the cluster directory owned by the OS user that runs Postgres and returns the path Postgres should use.
 * When that user cannot reach the requested place (e.g. a checkout under /root), the cluster lives under /var/tmp and
 * the requested path becomes a symlink to it.
 */
export function preparePostgresDataDir(dataDir: string, runAs: OsUser | undefined): string {
  if (existsSync(dataDir) && lstatSync(dataDir).isSymbolicLink()) return realpathSync(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (!runAs) return dataDir;
  const own = (dir: string) => {
    if (!existsSync(join(dir, "PG_VERSION"))) {
      chownSync(dir, runAs.uid, runAs.gid);
      chmodSync(dir, 0o700);
    }
  };
  own(dataDir);
  if (userCanWrite(runAs, dataDir)) return dataDir;
  if (readdirSync(dataDir).length > 0) {
    throw new Error(
      `OS user ${runAs.name} cannot reach the Postgres data directory ${dataDir} (check its parents' permissions).`,
    );
  }
  rmdirSync(dataDir);
  const digest = createHash("sha256").update(dataDir).digest("hex").slice(0, 12);
  const relocated = join(existsSync("/var/tmp") ? "/var/tmp" : tmpdir(), `plaza-postgres-${digest}`);
  mkdirSync(relocated, { recursive: true, mode: 0o700 });
  own(relocated);
  if (!userCanWrite(runAs, relocated)) throw new Error(`OS user ${runAs.name} cannot write ${relocated} either.`);
  symlinkSync(relocated, dataDir);
  return relocated;
}

/** Deletes a data directory made by preparePostgresDataDir, including a relocated target behind a symlink. */
export function removePostgresDataDir(dataDir: string): void {
  if (existsSync(dataDir) && lstatSync(dataDir).isSymbolicLink()) rmSync(realpathSync(dataDir), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
