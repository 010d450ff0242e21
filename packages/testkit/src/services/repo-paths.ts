import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is packages/testkit/src/services/repo-paths.ts). */
export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url)).replace(/\/$/, "");

/** Downloaded artefacts (Kafka jars); git-ignored. `PLAZA_INFRA_CACHE_DIR` moves it (e.g. to a CI cache). */
export function infraCacheDir(): string {
  return process.env.PLAZA_INFRA_CACHE_DIR || join(repoRoot, "infra", "local", ".cache");
}

/** The small pom whose dependencies are the Kafka broker's classpath. */
export const kafkaPomPath = join(repoRoot, "infra", "local", "kafka", "pom.xml");
