import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import { findExecutable, isExecutable } from "./executables.ts";
import { infraCacheDir, kafkaPomPath } from "./repo-paths.ts";
import { lastLines, runCommand } from "./run-command.ts";

export interface InstallOptions {
  /**
   * Install what is missing with the OS package manager (apt-get, as root) and Maven.
   * Default: allowed unless the environment says `PLAZA_AUTO_INSTALL=0`.
   */
  autoInstall?: boolean;
  logger?: Logger;
}

export type ServiceName = "postgres" | "redis" | "kafka";

export interface PostgresInstallation {
  /** Directory holding initdb and postgres. */
  binDir: string;
  version: string;
}

export interface RedisInstallation {
  redisServer: string;
  version: string;
}

export interface KafkaInstallation {
  /** Directory of jars forming the broker's classpath. */
  libsDir: string;
  version: string;
  java: string;
  /** `java -version` output (identifies the JVM build for class-data-sharing archives). */
  javaVersion: string;
}

export interface Installations {
  postgres?: PostgresInstallation;
  redis?: RedisInstallation;
  kafka?: KafkaInstallation;
}

/** Thrown when something is missing and could not (or may not) be installed; the message says what to do. */
export class MissingDependencyError extends Error {
  override readonly name = "MissingDependencyError";
}

const APT_PACKAGES = {
  postgres: ["postgresql"],
  redis: ["redis-server"],
  java: ["default-jre-headless"],
  maven: ["maven"],
} as const;

/** Ensures the binaries of the given services (default: all three) exist, installing missing ones in one go. */
export async function ensureInstalled(
  options: InstallOptions & { services?: readonly ServiceName[] } = {},
): Promise<Installations> {
  const services = options.services ?? ["postgres", "redis", "kafka"];
  // One apt-get call for everything missing: parallel apt-get runs would fight over the dpkg lock.
  const missing: string[] = [];
  if (services.includes("postgres") && !findPostgresBinDir()) missing.push(...APT_PACKAGES.postgres);
  if (services.includes("redis") && !findRedisServer()) missing.push(...APT_PACKAGES.redis);
  if (services.includes("kafka")) {
    if (!findJava()) missing.push(...APT_PACKAGES.java);
    if (!kafkaLibsReady(kafkaLibsLocation()) && !findExecutable("mvn")) missing.push(...APT_PACKAGES.maven);
  }
  if (missing.length > 0 && autoInstallRefusal(options) === undefined) await aptInstall(missing, options.logger);

  const [postgres, redis, kafka] = await Promise.all([
    services.includes("postgres") ? ensurePostgresInstalled(options) : undefined,
    services.includes("redis") ? ensureRedisInstalled(options) : undefined,
    services.includes("kafka") ? ensureKafkaInstalled(options) : undefined,
  ]);
  return { postgres, redis, kafka };
}

// ---------------------------------------------------------------- Postgres

let postgresInstallation: Promise<PostgresInstallation> | undefined;

export function ensurePostgresInstalled(options: InstallOptions = {}): Promise<PostgresInstallation> {
  postgresInstallation ??= (async () => {
    let binDir = findPostgresBinDir();
    if (!binDir) {
      await installOrExplain(
        "PostgreSQL server binaries (initdb, postgres)",
        APT_PACKAGES.postgres,
        options,
        postgresSearchHelp(),
      );
      binDir = findPostgresBinDir();
      if (!binDir) throw new MissingDependencyError(`PostgreSQL is still missing after installing it. ${postgresSearchHelp()}`);
    }
    const { output } = await runCommand(join(binDir, "postgres"), ["--version"]);
    return { binDir, version: /(\d+(?:\.\d+)*)/.exec(output)?.[1] ?? "unknown" };
  })();
  return forgetOnFailure(postgresInstallation, () => (postgresInstallation = undefined));
}

function postgresSearchHelp(): string {
  return "Looked in $PLAZA_PG_BIN_DIR, /usr/lib/postgresql/<version>/bin and $PATH.";
}

/** Newest Debian-style /usr/lib/postgresql/<v>/bin first; PLAZA_PG_BIN_DIR overrides; then $PATH (Homebrew, RPM). */
export function findPostgresBinDir(): string | undefined {
  const hasServer = (dir: string) => isExecutable(join(dir, "initdb")) && isExecutable(join(dir, "postgres"));
  const override = process.env.PLAZA_PG_BIN_DIR;
  if (override) return hasServer(override) ? override : undefined;
  const debianRoot = "/usr/lib/postgresql";
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((name) => /^\d+(\.\d+)?$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const dir = join(debianRoot, version, "bin");
      if (hasServer(dir)) return dir;
    }
  }
  const initdb = findExecutable("initdb");
  return initdb && hasServer(dirname(initdb)) ? dirname(initdb) : undefined;
}

// ---------------------------------------------------------------- Redis

let redisInstallation: Promise<RedisInstallation> | undefined;

export function ensureRedisInstalled(options: InstallOptions = {}): Promise<RedisInstallation> {
  redisInstallation ??= (async () => {
    let redisServer = findRedisServer();
    if (!redisServer) {
      await installOrExplain("redis-server", APT_PACKAGES.redis, options, "Looked in $PLAZA_REDIS_SERVER and $PATH.");
      redisServer = findRedisServer();
      if (!redisServer) throw new MissingDependencyError("redis-server is still missing after installing it.");
    }
    const { output } = await runCommand(redisServer, ["--version"]);
    return { redisServer, version: /v=(\S+)/.exec(output)?.[1] ?? "unknown" };
  })();
  return forgetOnFailure(redisInstallation, () => (redisInstallation = undefined));
}

export function findRedisServer(): string | undefined {
  const override = process.env.PLAZA_REDIS_SERVER;
  if (override) return isExecutable(override) ? override : undefined;
  return findExecutable("redis-server");
}

// ---------------------------------------------------------------- Kafka (JVM + jars from Maven Central)

let kafkaInstallation: Promise<KafkaInstallation> | undefined;

export function ensureKafkaInstalled(options: InstallOptions = {}): Promise<KafkaInstallation> {
  kafkaInstallation ??= (async () => {
    const { java, javaVersion } = await ensureJava(options);
    const location = kafkaLibsLocation();
    if (!kafkaLibsReady(location)) {
      if (process.env.PLAZA_KAFKA_LIBS_DIR) {
        throw new MissingDependencyError(
          `PLAZA_KAFKA_LIBS_DIR=${location.libsDir} does not contain kafka_2.13-*.jar (point it at a Kafka 3.9 "libs" folder).`,
        );
      }
      await downloadKafkaJars(location, options);
    }
    return { libsDir: location.libsDir, version: location.version, java, javaVersion };
  })();
  return forgetOnFailure(kafkaInstallation, () => (kafkaInstallation = undefined));
}

interface KafkaLibsLocation {
  version: string;
  /** Folder holding libs/ and the completion marker. */
  home: string;
  libsDir: string;
}

/** The Kafka version pinned in infra/local/kafka/pom.xml. */
export function pinnedKafkaVersion(): string {
  const pom = readFileSync(kafkaPomPath, "utf8");
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
  if (!version) throw new Error(`${kafkaPomPath} does not define <kafka.version>`);
  return version;
}

function kafkaLibsLocation(): KafkaLibsLocation {
  const override = process.env.PLAZA_KAFKA_LIBS_DIR;
  if (override) {
    const jar = existsSync(override) ? readdirSync(override).find((f) => /^kafka_2\.13-.*\.jar$/.test(f)) : undefined;
    const version = jar ? jar.replace(/^kafka_2\.13-/, "").replace(/\.jar$/, "") : "unknown";
    return { version, home: override, libsDir: override };
  }
  const version = pinnedKafkaVersion();
  const home = join(infraCacheDir(), `kafka-${version}`);
  return { version, home, libsDir: join(home, "libs") };
}

function kafkaLibsReady(location: KafkaLibsLocation): boolean {
  if (process.env.PLAZA_KAFKA_LIBS_DIR) {
    return existsSync(location.libsDir) && readdirSync(location.libsDir).some((f) => /^kafka_2\.13-.*\.jar$/.test(f));
  }
  return existsSync(join(location.home, ".complete"));
}

async function downloadKafkaJars(location: KafkaLibsLocation, options: InstallOptions): Promise<void> {
  let mvn = findExecutable("mvn");
  if (!mvn) {
    await installOrExplain("Maven (mvn), needed once to fetch the Kafka jars", APT_PACKAGES.maven, options, "Looked in $PATH.");
    mvn = findExecutable("mvn");
    if (!mvn) throw new MissingDependencyError("mvn is still missing after installing maven.");
  }
  options.logger?.info({ version: location.version, into: location.libsDir }, "fetching Kafka jars from Maven Central");
  const cacheDir = dirname(location.home);
  mkdirSync(cacheDir, { recursive: true });
  // Download beside the final folder and rename it into place, so an interrupted run never leaves half a classpath.
  const staging = await mkdtemp(join(cacheDir, `.kafka-${location.version}-`));
  try {
    const result = await runCommand(
      mvn,
      [
        "-q",
        "-B",
        "-Dstyle.color=never",
        "-f",
        kafkaPomPath,
        "dependency:copy-dependencies",
        `-DoutputDirectory=${join(staging, "libs")}`,
      ],
      { timeoutMs: 15 * 60_000 },
    );
    const jar = join(staging, "libs", `kafka_2.13-${location.version}.jar`);
    if (result.code !== 0 || !existsSync(jar)) {
      throw new MissingDependencyError(
        `Fetching the Kafka ${location.version} jars with Maven failed (exit ${result.code}). ` +
          `Needs access to Maven Central (or a mirror in ~/.m2/settings.xml).\n${lastLines(result.output, 30)}`,
      );
    }
    writeFileSync(join(staging, ".complete"), `${new Date().toISOString()}\n`);
    if (existsSync(location.home) && !kafkaLibsReady(location)) rmSync(location.home, { recursive: true, force: true });
    try {
      renameSync(staging, location.home);
    } catch (error) {
      // Another process finished the same download first: theirs is as good as ours.
      if (!kafkaLibsReady(location)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- Java

let javaInstallation: Promise<{ java: string; javaVersion: string }> | undefined;

function ensureJava(options: InstallOptions): Promise<{ java: string; javaVersion: string }> {
  javaInstallation ??= (async () => {
    let java = findJava();
    if (!java) {
      await installOrExplain(
        "Java 11+ (java), needed to run Kafka",
        APT_PACKAGES.java,
        options,
        "Looked in $JAVA_HOME/bin and $PATH.",
      );
      java = findJava();
      if (!java) throw new MissingDependencyError("java is still missing after installing it.");
    }
    const { output } = await runCommand(java, ["-version"]);
    const major = Number(/version "(?:1\.)?(\d+)/.exec(output)?.[1] ?? "0");
    if (major < 11) throw new MissingDependencyError(`Kafka 3.9 needs Java 11 or newer; ${java} is ${major || "unknown"}.`);
    return { java, javaVersion: output.trim() };
  })();
  return forgetOnFailure(javaInstallation, () => (javaInstallation = undefined));
}

export function findJava(): string | undefined {
  const home = process.env.JAVA_HOME;
  if (home && isExecutable(join(home, "bin", "java"))) return join(home, "bin", "java");
  return findExecutable("java");
}

// ---------------------------------------------------------------- helpers

/** Why automatic installation is not possible, or undefined when it is. */
function autoInstallRefusal(options: InstallOptions): string | undefined {
  if (options.autoInstall === false || process.env.PLAZA_AUTO_INSTALL === "0")
    return "Automatic installation is off (PLAZA_AUTO_INSTALL=0)";
  if (process.getuid?.() !== 0) return "Automatic installation needs root (it uses apt-get)";
  if (!findExecutable("apt-get")) return "Automatic installation only knows apt-get (Debian/Ubuntu), which is missing here";
  return undefined;
}

async function installOrExplain(
  what: string,
  packages: readonly string[],
  options: InstallOptions,
  searched: string,
): Promise<void> {
  const refusal = autoInstallRefusal(options);
  if (refusal) {
    throw new MissingDependencyError(
      `${what} not found. ${searched} ${refusal}. Install it, e.g. \`sudo apt-get install -y ${packages.join(" ")}\`, ` +
        `or point the tests at running services with PLAZA_TEST_POSTGRES_URL, PLAZA_TEST_REDIS_URL and PLAZA_TEST_KAFKA_BROKERS.`,
    );
  }
  await aptInstall(packages, options.logger);
}

let aptQueue: Promise<unknown> = Promise.resolve();

/** Serialised: dpkg takes a lock, so concurrent installs from one process would fail. */
function aptInstall(packages: readonly string[], logger: Logger | undefined): Promise<void> {
  const run = aptQueue.then(async () => {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const install = () =>
      runCommand("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...packages], { env, timeoutMs: 20 * 60_000 });
    logger?.info({ packages }, "installing missing packages with apt-get");
    let result = await install();
    if (result.code !== 0) {
      // Fresh images ship without package lists.
      logger?.info("apt-get install failed; running apt-get update and retrying");
      await runCommand("apt-get", ["update", "-q"], { env, timeoutMs: 10 * 60_000 });
      result = await install();
    }
    if (result.code !== 0) {
      throw new MissingDependencyError(
        `apt-get install ${packages.join(" ")} failed (exit ${result.code}):\n${lastLines(result.output, 30)}`,
      );
    }
  });
  aptQueue = run.catch(() => undefined);
  return run;
}

function forgetOnFailure<T>(promise: Promise<T>, forget: () => void): Promise<T> {
  promise.catch(forget);
  return promise;
}
