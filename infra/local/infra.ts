/**
 * Local infrastructure without Docker: real Postgres (one database per shard), Redis (AOF) and a single-node Kafka
 * (KRaft), each on a free loopback port, as background processes with their data under infra/local/.run/.
 *
 *   tsx infra/local/infra.ts up              start what is not running, create shard databases, write .env, migrate
 *   tsx infra/local/infra.ts down [--purge]  stop everything (SIGTERM → SIGKILL after a grace period); --purge deletes data
 *   tsx infra/local/infra.ts status          JSON: what runs where
 *
 * Settings: PLAZA_SHARDS (default 4) shard databases per subgraph (plaza_<subgraph>_0…, one set for every prisma/<subgraph>); PLAZA_AUTO_INSTALL=0 forbids installing
 * missing binaries. Ports are remembered in .run/state.json and reused while free, so .env stays valid across restarts.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import {
  ensureInstalled,
  isPortFree,
  isPortOpen,
  isProcessAlive,
  processCommandLine,
  readLogTail,
  removePostgresDataDir,
  repoRoot,
  startKafka,
  startPostgres,
  startRedis,
  terminateProcess,
  type ServiceName,
} from "@plaza/testkit/services";

const RUN_DIR = join(repoRoot, "infra", "local", ".run");
const STATE_FILE = join(RUN_DIR, "state.json");
const ENV_FILE = join(repoRoot, ".env");
const SERVICES: readonly ServiceName[] = ["postgres", "redis", "kafka"];

/** How to recognise our process behind a pid (pids get recycled) and how to stop it. */
const PROCESS_SIGNATURE: Record<ServiceName, { commandIncludes: string; stopSignal: NodeJS.Signals }> = {
  postgres: { commandIncludes: "postgres", stopSignal: "SIGINT" }, // SIGINT = fast shutdown
  redis: { commandIncludes: "redis-server", stopSignal: "SIGTERM" },
  kafka: { commandIncludes: "kafka.Kafka", stopSignal: "SIGTERM" }, // controlled shutdown
};

interface ServiceState {
  port: number;
  controllerPort?: number;
  pid?: number;
}

interface InfraState {
  postgres?: ServiceState;
  redis?: ServiceState;
  kafka?: ServiceState;
}

const paths = (service: ServiceName) => ({
  dataDir: join(RUN_DIR, service),
  logFile: join(RUN_DIR, "logs", `${service}.log`),
  pidFile: join(RUN_DIR, "pids", `${service}.pid`),
});

function main(argv: string[]): Promise<number> {
  const [command, ...flags] = argv;
  switch (command) {
    case "up":
      return up();
    case "down":
      return down({ purge: flags.includes("--purge") });
    case "status":
      return status();
    default:
      console.error("usage: infra.ts up | down [--purge] | status");
      return Promise.resolve(2);
  }
}

// ---------------------------------------------------------------- up

async function up(): Promise<number> {
  const shards = shardCount();
  mkdirSync(join(RUN_DIR, "logs"), { recursive: true });
  mkdirSync(join(RUN_DIR, "pids"), { recursive: true });
  const state = readState();

  const missing = SERVICES.filter((service) => !runningPid(service));
  if (missing.length > 0) await ensureInstalled({ services: missing });

  const results = await Promise.allSettled(SERVICES.map((service) => ensureRunning(service, state)));
  const failures = results.flatMap((result, index) =>
    result.status === "rejected" ? [`${SERVICES[index]}: ${(result.reason as Error).message}`] : [],
  );
  writeState(state);
  if (failures.length > 0) {
    console.error(`\ninfra up failed:\n${failures.join("\n\n")}`);
    console.error("\nServices that did start keep running; `npm run infra:down` stops them.");
    return 1;
  }

  const postgresPort = state.postgres!.port;
  // Each subgraph owns its databases: <SUBGRAPH>_DATABASE_SHARD_URLS per subgraph that has a Prisma schema.
  const databases = Object.fromEntries(
    subgraphsWithDatabases().map((subgraph) => [
      subgraph,
      Array.from({ length: shards }, (_, shard) => `plaza_${subgraph.replace(/[^a-z0-9]+/g, "_")}_${shard}`),
    ]),
  );
  await createDatabases(postgresPort, Object.values(databases).flat());
  const env = {
    ...Object.fromEntries(
      Object.entries(databases).map(([subgraph, names]) => [
        `${subgraph.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_DATABASE_SHARD_URLS`,
        names.map((name) => postgresUrl(postgresPort, name)).join(","),
      ]),
    ),
    REDIS_URL: `redis://127.0.0.1:${state.redis!.port}`,
    KAFKA_BROKERS: `127.0.0.1:${state.kafka!.port}`,
    ...localSecrets(),
  };
  writeEnvFile(env);
  console.log(`wrote ${ENV_FILE}:`);
  for (const [key, value] of Object.entries(env)) console.log(`  ${key}=${value}`);

  runMigrations(env);
  console.log("\ninfra is up. `npm run infra:down` stops it (data kept; add -- --purge to delete it).");
  return 0;
}

async function ensureRunning(service: ServiceName, state: InfraState): Promise<void> {
  const { dataDir, logFile, pidFile } = paths(service);
  const pid = runningPid(service);
  const known = state[service];
  if (pid && known) {
    if (await isPortOpen(known.port)) {
      console.log(`${service}: already running (pid ${pid}, port ${known.port})`);
      return;
    }
    throw new Error(`process ${pid} runs but port ${known.port} does not answer; see ${logFile}, or run infra:down first`);
  }

  const port = await reusablePort(known?.port);
  const started = Date.now();
  let controllerPort: number | undefined;
  let startedPid: number | undefined;
  if (service === "postgres") {
    const handle = await startPostgres({ dataDir, logFile, port, durable: true, detached: true });
    state.postgres = { port: handle.port, pid: handle.pid };
    startedPid = handle.pid;
  } else if (service === "redis") {
    const handle = await startRedis({ dataDir, logFile, port, persistence: true, detached: true });
    state.redis = { port: handle.port, pid: handle.pid };
    startedPid = handle.pid;
  } else {
    const handle = await startKafka({
      dataDir,
      logFile,
      port,
      controllerPort: await reusablePort(known?.controllerPort),
      detached: true,
      fastStartup: false,
    });
    controllerPort = handle.controllerPort;
    state.kafka = { port: handle.port, controllerPort, pid: handle.pid };
    startedPid = handle.pid;
  }
  writeFileSync(pidFile, `${startedPid}\n`);
  const where = `127.0.0.1:${state[service]!.port}${controllerPort ? ` (controller ${controllerPort})` : ""}`;
  console.log(
    `${service}: started on ${where}, pid ${startedPid}, in ${((Date.now() - started) / 1000).toFixed(1)} s; log ${logFile}`,
  );
}

/** The remembered port if it is still free (keeps .env stable); otherwise let the service pick a new one. */
async function reusablePort(port: number | undefined): Promise<number | undefined> {
  return port !== undefined && (await isPortFree(port)) ? port : undefined;
}

function subgraphsWithDatabases(): string[] {
  const prismaDir = join(repoRoot, "prisma");
  return readdirSync(prismaDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(prismaDir, entry.name, "schema.prisma")))
    .map((entry) => entry.name)
    .sort();
}

async function createDatabases(port: number, names: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl(port, "postgres") });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>("select datname from pg_database");
    const existing = new Set(rows.map((row) => row.datname));
    for (const name of names) {
      if (existing.has(name)) continue;
      await client.query(`CREATE DATABASE "${name}"`);
      console.log(`postgres: created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

/** Runs `npm run db:migrate` with the new settings when the root package.json defines it; failure is only a warning. */
function runMigrations(env: Record<string, string>): void {
  const rootPackage = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  if (!rootPackage.scripts?.["db:migrate"]) {
    console.log("no db:migrate script: skipping migrations");
    return;
  }
  console.log("\nrunning npm run db:migrate");
  const result = spawnSync("npm", ["run", "--silent", "db:migrate"], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: "inherit",
  });
  if (result.status !== 0) {
    console.warn(
      `WARNING: npm run db:migrate exited with ${result.status ?? result.signal}; the shard databases may lack tables.`,
    );
  }
}

// ---------------------------------------------------------------- down

async function down({ purge }: { purge: boolean }): Promise<number> {
  await Promise.all(
    SERVICES.map(async (service) => {
      const pid = runningPid(service);
      const { pidFile } = paths(service);
      if (!pid) {
        console.log(`${service}: not running`);
      } else {
        const outcome = await terminateProcess(pid, { signal: PROCESS_SIGNATURE[service].stopSignal, timeoutMs: 30_000 });
        console.log(`${service}: stopped (pid ${pid}${outcome === "killed" ? ", had to SIGKILL" : ""})`);
      }
      rmSync(pidFile, { force: true });
    }),
  );
  removeEnvKeys();
  if (purge) {
    removePostgresDataDir(paths("postgres").dataDir);
    rmSync(RUN_DIR, { recursive: true, force: true });
    console.log(`purged ${RUN_DIR}`);
  } else {
    console.log(`data kept in ${RUN_DIR} (\`down --purge\` deletes it)`);
  }
  return 0;
}

// ---------------------------------------------------------------- status

async function status(): Promise<number> {
  const state = readState();
  const report: Record<string, unknown> = {};
  for (const service of SERVICES) {
    const { dataDir, logFile } = paths(service);
    const pid = runningPid(service);
    const port = state[service]?.port;
    const answering = pid !== undefined && port !== undefined && (await isPortOpen(port));
    report[service] = {
      running: pid !== undefined,
      answering,
      pid: pid ?? null,
      port: port ?? null,
      ...(service === "kafka" ? { controllerPort: state.kafka?.controllerPort ?? null } : {}),
      url: port === undefined ? null : serviceUrl(service, port),
      dataDir: existsSync(dataDir) ? dataDir : null,
      logFile: existsSync(logFile) ? logFile : null,
      ...(pid !== undefined && !answering && existsSync(logFile) ? { logTail: readLogTail(logFile, 10) } : {}),
    };
  }
  report.shards = shardCount();
  report.envFile = existsSync(ENV_FILE) ? ENV_FILE : null;
  console.log(JSON.stringify(report, null, 2));
  return 0;
}

// ---------------------------------------------------------------- helpers

/** The pid from the service's pid file, if that process still runs and is the service (not a recycled pid). */
function runningPid(service: ServiceName): number | undefined {
  const { pidFile } = paths(service);
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return undefined;
  const commandLine = processCommandLine(pid);
  if (commandLine !== undefined && !commandLine.includes(PROCESS_SIGNATURE[service].commandIncludes)) return undefined;
  return pid;
}

function serviceUrl(service: ServiceName, port: number): string {
  if (service === "postgres") return postgresUrl(port, "postgres");
  if (service === "redis") return `redis://127.0.0.1:${port}`;
  return `127.0.0.1:${port}`;
}

function postgresUrl(port: number, database: string): string {
  return `postgresql://postgres@127.0.0.1:${port}/${database}`;
}

function shardCount(): number {
  const raw = process.env.PLAZA_SHARDS ?? "4";
  const shards = Number(raw);
  if (!Number.isInteger(shards) || shards < 1 || shards > 64)
    throw new Error(`PLAZA_SHARDS must be an integer 1…64, got "${raw}"`);
  return shards;
}

function readState(): InfraState {
  try {
    return JSON.parse(readFileSync(STATE_FILE, "utf8")) as InfraState;
  } catch {
    return {};
  }
}

/**
 * Every process of `npm run start:services` must share the JWT and router-signing secrets: generated once per
 * checkout, kept beside the infra state so tokens stay valid across down/up. Local development only.
 */
function localSecrets(): Record<"JWT_SECRET" | "INTERNAL_AUTH_KEY", string> {
  const file = join(RUN_DIR, "secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
  const secrets = { JWT_SECRET: randomBytes(32).toString("hex"), INTERNAL_AUTH_KEY: randomBytes(32).toString("hex") };
  mkdirSync(RUN_DIR, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

function writeState(state: InfraState): void {
  mkdirSync(RUN_DIR, { recursive: true });
  writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
}

const ENV_BEGIN = "# >>> written by `npm run infra:up` (infra/local/infra.ts); `infra:down` removes this block";
const ENV_END = "# <<< infra:up";

/** Replaces our block in .env (and any earlier definition of the same keys), keeping everything else the user wrote. */
function writeEnvFile(values: Record<string, string>): void {
  const kept = withoutOurBlock(existsSync(ENV_FILE) ? readFileSync(ENV_FILE, "utf8") : "")
    .split("\n")
    .filter((line) => !Object.keys(values).some((key) => new RegExp(`^\\s*(export\\s+)?${key}\\s*=`).test(line)))
    .join("\n")
    .trimEnd();
  const block = [ENV_BEGIN, ...Object.entries(values).map(([key, value]) => `${key}=${value}`), ENV_END].join("\n");
  writeFileSync(ENV_FILE, `${kept ? `${kept}\n\n` : ""}${block}\n`);
}

/** After `down` the services are gone: drop our settings so `npm start` falls back to the embedded defaults. */
function removeEnvKeys(): void {
  if (!existsSync(ENV_FILE)) return;
  const original = readFileSync(ENV_FILE, "utf8");
  const rest = withoutOurBlock(original).trimEnd();
  if (rest === original.trimEnd()) return;
  if (rest) writeFileSync(ENV_FILE, `${rest}\n`);
  else rmSync(ENV_FILE);
  console.log(`removed the infra:up settings from ${ENV_FILE}`);
}

function withoutOurBlock(text: string): string {
  const begin = text.indexOf(ENV_BEGIN);
  if (begin < 0) return text;
  const end = text.indexOf(ENV_END, begin);
  return text.slice(0, begin) + (end < 0 ? "" : text.slice(end + ENV_END.length).replace(/^\n/, ""));
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
