/**
 * Makes sure Postgres, Redis and the Kafka jars are available (installing what is missing when permitted; see
 * ensureInstalled) and prints where they are. Used by .ci/run before the test suite:
 *
 *   npx tsx packages/testkit/src/cli/ensure-infra.ts [postgres] [redis] [kafka]
 */
import { ensureInstalled, MissingDependencyError, type ServiceName } from "../services/index.ts";

const known: readonly ServiceName[] = ["postgres", "redis", "kafka"];
const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !known.includes(name as ServiceName));
if (unknown.length > 0) {
  console.error(`unknown service(s): ${unknown.join(", ")} (expected ${known.join(", ")})`);
  process.exit(2);
}
const services = requested.length > 0 ? (requested as ServiceName[]) : known;

try {
  const started = Date.now();
  const found = await ensureInstalled({ services });
  if (found.postgres) console.log(`postgres ${found.postgres.version}: ${found.postgres.binDir}`);
  if (found.redis) console.log(`redis ${found.redis.version}: ${found.redis.redisServer}`);
  if (found.kafka) {
    const jvm = found.kafka.javaVersion.split("\n")[0] ?? "";
    console.log(`kafka ${found.kafka.version}: ${found.kafka.libsDir} (java: ${found.kafka.java}, ${jvm})`);
  }
  console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(error instanceof MissingDependencyError ? error.message : error);
  process.exit(1);
}
