import { connect } from "node:net";
import type { Logger } from "pino";
import { findFreePort, LOOPBACK_HOST } from "./free-port.ts";
import { ensureRedisInstalled } from "./install.ts";
import { spawnService } from "./managed-process.ts";
import {
  createLifecycle,
  prepareServiceDirs,
  removeTempDirOnFailure,
  withPortRetry,
  type ServiceHandle,
  serviceHandle,
} from "./service-handle.ts";
import { mkdirSync } from "node:fs";

export interface StartRedisOptions {
  /** Working directory for AOF/RDB files. Default: a new temporary directory. */
  dataDir?: string;
  /** Default: a free loopback port. */
  port?: number;
  logFile?: string;
  /** AOF (fsync every second) plus RDB snapshots, for infra:up. Default false: tests keep nothing on disk. */
  persistence?: boolean;
  detached?: boolean;
  /** Extra configuration directives (`--name value`). */
  config?: Record<string, string | number>;
  startTimeoutMs?: number;
  autoInstall?: boolean;
  logger?: Logger;
}

export interface RedisHandle extends ServiceHandle {
  readonly service: "redis";
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
}

export async function startRedis(options: StartRedisOptions = {}): Promise<RedisHandle> {
  const { redisServer, version } = await ensureRedisInstalled(options);
  const dirs = await prepareServiceDirs("redis", options);
  return removeTempDirOnFailure(dirs, async () => {
    mkdirSync(dirs.dataDir, { recursive: true });
    const persistence: Record<string, string | number> = options.persistence
      ? { appendonly: "yes", appendfsync: "everysec", save: "3600 1 300 100 60 10000" }
      : { appendonly: "no", save: "" };
    const config = { ...persistence, ...options.config };

    return withPortRetry(options.port !== undefined, dirs.logFile, async () => {
      const port = options.port ?? (await findFreePort());
      const lifecycle = createLifecycle({
        service: "redis",
        ports: [port],
        launch: () =>
          spawnService({
            name: "redis",
            command: redisServer,
            args: [
              "--bind",
              LOOPBACK_HOST,
              "--port",
              String(port),
              "--dir",
              dirs.dataDir,
              "--daemonize",
              "no",
              "--logfile",
              "",
              ...Object.entries(config).flatMap(([name, value]) => [`--${name}`, String(value)]),
            ],
            logFile: dirs.logFile,
            cwd: dirs.dataDir,
            detached: options.detached,
            parentDeathSignal: "SIGTERM",
          }),
        isReady: () => answersPing(port),
        startTimeoutMs: options.startTimeoutMs ?? 15_000,
        // SIGTERM makes Redis flush the AOF / write a final snapshot when persistence is on.
        stopSignal: "SIGTERM",
        stopTimeoutMs: 15_000,
        removeOnDestroy: dirs.tempRoot ? [dirs.tempRoot] : [],
      });
      await lifecycle.start();
      options.logger?.info({ port, dataDir: dirs.dataDir, version }, "redis ready");
      return {
        ...serviceHandle("redis", port, dirs, lifecycle),
        url: `redis://${LOOPBACK_HOST}:${port}`,
      };
    });
  });
}

/**
 * Raw RESP PING: true on "+PONG". While Redis is still loading its AOF it answers "-LOADING …", i.e. not ready yet.
 * Deliberately no client library: a probe must not reconnect or queue commands.
 */
export function answersPing(port: number, host = LOOPBACK_HOST, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = "";
    const finish = (ready: boolean) => {
      socket.destroy();
      resolve(ready);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once("error", () => finish(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("utf8");
      if (reply.includes("\r\n")) finish(reply.startsWith("+PONG"));
    });
  });
}
