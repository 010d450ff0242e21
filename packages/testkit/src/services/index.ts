export {
  startPostgres,
  POSTGRES_SUPERUSER,
  removePostgresDataDir,
  type PostgresHandle,
  type StartPostgresOptions,
} from "./postgres.ts";
export { startRedis, answersPing, type RedisHandle, type StartRedisOptions } from "./redis.ts";
export { startKafka, type KafkaHandle, type StartKafkaOptions } from "./kafka.ts";
export type { ServiceHandle } from "./service-handle.ts";
export {
  ensureInstalled,
  ensurePostgresInstalled,
  ensureRedisInstalled,
  ensureKafkaInstalled,
  pinnedKafkaVersion,
  MissingDependencyError,
  type InstallOptions,
  type Installations,
  type ServiceName,
} from "./install.ts";
export { findFreePort, findFreePorts, isPortFree, isPortOpen, LOOPBACK_HOST } from "./free-port.ts";
export {
  isProcessAlive,
  processCommandLine,
  readLogTail,
  terminateProcess,
  ServiceStartError,
  PortInUseError,
  summariseLog,
  type TerminateOptions,
} from "./managed-process.ts";
export { repoRoot, infraCacheDir } from "./repo-paths.ts";
export { ensureStripeMockInstalled, startStripeMock, STRIPE_MOCK_MODULE, type StripeMockHandle } from "./stripe-mock.ts";
