import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import type { Logger } from "pino";
import { findFreePort, LOOPBACK_HOST } from "./free-port.ts";
import { ensureKafkaInstalled } from "./install.ts";
import { planClassArchive } from "./kafka-class-archive.ts";
import { spawnService } from "./managed-process.ts";
import { runCommandOrThrow } from "./run-command.ts";
import {
  createLifecycle,
  prepareServiceDirs,
  removeTempDirOnFailure,
  withPortRetry,
  type ServiceHandle,
  serviceHandle,
} from "./service-handle.ts";

export interface StartKafkaOptions {
  /** Holds server.properties, log4j.properties and the KRaft log dirs. Default: a new temporary directory. */
  dataDir?: string;
  /** Client (PLAINTEXT) port. Default: a free loopback port. */
  port?: number;
  /** KRaft controller port. Default: a free loopback port. */
  controllerPort?: number;
  logFile?: string;
  detached?: boolean;
  /** JVM heap limit in MiB (default 512). */
  heapMb?: number;
  /**
   * Default true: C1-only JIT and the serial GC start the JVM fastest — right for tests.
   * infra:up passes false for the default JIT and G1, which serve a long-running broker under load better.
   */
  fastStartup?: boolean;
  /** Partitions of auto-created topics (default 3). */
  numPartitions?: number;
  /** Extra/overriding broker properties. */
  properties?: Record<string, string | number | boolean>;
  startTimeoutMs?: number;
  autoInstall?: boolean;
  logger?: Logger;
}

export interface KafkaHandle extends ServiceHandle {
  readonly service: "kafka";
  /** `["127.0.0.1:<port>"]`, ready for `new Kafka({ brokers })`. */
  readonly brokers: string[];
  readonly controllerPort: number;
}

/** A single KRaft node acting as broker and controller. */
const NODE_ID = 1;

export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaHandle> {
  const installation = await ensureKafkaInstalled(options);
  const { libsDir, java, version } = installation;
  const dirs = await prepareServiceDirs("kafka", options);
  return removeTempDirOnFailure(dirs, async () => {
    const logDir = join(dirs.dataDir, "kraft-logs");
    const propertiesFile = join(dirs.dataDir, "server.properties");
    const log4jFile = join(dirs.dataDir, "log4j.properties");
    mkdirSync(dirs.dataDir, { recursive: true });
    writeFileSync(log4jFile, LOG4J_PROPERTIES);

    const fast = options.fastStartup ?? true;
    const heapMb = options.heapMb ?? 512;
    const jvmArgs = [
      `-Xmx${heapMb}m`,
      `-Xms${Math.min(heapMb, 128)}m`,
      ...(fast ? ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"] : ["-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20"]),
      "-Xshare:auto",
      "-XX:-UsePerfData",
      "-Djava.awt.headless=true",
      "-Djava.net.preferIPv4Stack=true",
      `-Dlog4j.configuration=file:${log4jFile}`,
      `-Dkafka.logs.dir=${dirs.dataDir}`,
      "-cp",
      `${libsDir}/*`,
    ];
    const callerChosePorts = options.port !== undefined || options.controllerPort !== undefined;

    return withPortRetry(callerChosePorts, dirs.logFile, async () => {
      const port = options.port ?? (await findFreePortExcept([options.controllerPort]));
      const controllerPort = options.controllerPort ?? (await findFreePortExcept([port]));
      const properties = brokerProperties({
        port,
        controllerPort,
        logDir,
        numPartitions: options.numPartitions ?? 3,
        extra: options.properties,
      });
      const brokers = [`${LOOPBACK_HOST}:${port}`];

      const lifecycle = createLifecycle({
        service: "kafka",
        ports: [port, controllerPort],
        launch: async () => {
          // Rewritten on every start so the file always matches this handle's ports.
          writeFileSync(propertiesFile, properties);
          // A detached broker outlives us, so nobody would be there to adopt a recorded archive.
          const classArchive = planClassArchive(installation, { record: !options.detached });
          if (!existsSync(join(logDir, "meta.properties"))) {
            const useArchive = classArchive.jvmArgs.filter((arg) => arg.startsWith("-XX:SharedArchiveFile="));
            await runCommandOrThrow(
              java,
              [
                ...jvmArgs,
                ...useArchive,
                "kafka.tools.StorageTool",
                "format",
                "--ignore-formatted",
                "-t",
                newClusterId(),
                "-c",
                propertiesFile,
              ],
              { what: "kafka-storage format", cwd: dirs.dataDir },
            );
          }
          const proc = await spawnService({
            name: "kafka",
            command: java,
            args: [...jvmArgs, ...classArchive.jvmArgs, "kafka.Kafka", propertiesFile],
            logFile: dirs.logFile,
            cwd: dirs.dataDir,
            detached: options.detached,
            parentDeathSignal: "SIGTERM",
          });
          classArchive.adopt(proc);
          return proc;
        },
        isReady: () => canListTopics(brokers),
        startTimeoutMs: options.startTimeoutMs ?? 60_000,
        // SIGTERM runs the broker's controlled shutdown, which closes the log cleanly (no recovery on restart).
        stopSignal: "SIGTERM",
        stopTimeoutMs: 20_000,
        removeOnDestroy: dirs.tempRoot ? [dirs.tempRoot] : [],
      });
      await lifecycle.start();
      options.logger?.info({ port, controllerPort, dataDir: dirs.dataDir, version }, "kafka ready");
      return {
        ...serviceHandle("kafka", port, dirs, lifecycle),
        controllerPort,
        brokers,
      };
    });
  });
}

function brokerProperties(input: {
  port: number;
  controllerPort: number;
  logDir: string;
  numPartitions: number;
  extra: Record<string, string | number | boolean> | undefined;
}): string {
  const properties: Record<string, string | number | boolean> = {
    "process.roles": "broker,controller",
    "node.id": NODE_ID,
    "controller.quorum.voters": `${NODE_ID}@${LOOPBACK_HOST}:${input.controllerPort}`,
    listeners: `PLAINTEXT://${LOOPBACK_HOST}:${input.port},CONTROLLER://${LOOPBACK_HOST}:${input.controllerPort}`,
    "advertised.listeners": `PLAINTEXT://${LOOPBACK_HOST}:${input.port}`,
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "log.dirs": input.logDir,
    "num.partitions": input.numPartitions,
    "auto.create.topics.enable": true,
    "delete.topic.enable": true,
    // One broker: every internal topic must get by with a single replica.
    "offsets.topic.replication.factor": 1,
    "transaction.state.log.replication.factor": 1,
    "transaction.state.log.min.isr": 1,
    "min.insync.replicas": 1,
    "default.replication.factor": 1,
    // Fewer internal partitions make the first consumer group / transaction come up much faster.
    "offsets.topic.num.partitions": 5,
    "transaction.state.log.num.partitions": 5,
    // Consumers join at once instead of waiting 3 s for more members.
    "group.initial.rebalance.delay.ms": 0,
    "num.network.threads": 2,
    "num.io.threads": 4,
    "num.recovery.threads.per.data.dir": 1,
    "log.retention.hours": 168,
    ...input.extra,
  };
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join("\n")}\n`;
}

/** Kafka cluster ids are 16 random bytes in URL-safe base64 without padding; Kafka avoids ids starting with "-". */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

async function findFreePortExcept(excluded: readonly (number | undefined)[]): Promise<number> {
  for (;;) {
    const port = await findFreePort();
    if (!excluded.includes(port)) return port;
  }
}

async function canListTopics(brokers: string[]): Promise<boolean> {
  const kafka = new Kafka({
    clientId: "plaza-testkit-probe",
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const LOG4J_PROPERTIES = `# Written by @plaza/testkit: the broker logs to stdout, which goes to the service log file.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.controller=INFO
log4j.logger.org.apache.kafka.clients=WARN
`;
