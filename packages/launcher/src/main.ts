// `npm start`: the router and every subgraph in one process. With nothing configured it runs on embedded
// defaults (PGlite shards under .data/, the in-process event bus); with DATABASE_*/KAFKA_BROKERS set (or the
// .env written by `npm run infra:up`) the same command uses the real services.
import "dotenv/config";
import { resolve } from "node:path";
import { createLogger, createShutdown, EnvError } from "@plaza/kit";
import { exitOnConfigError } from "@plaza/runtime";
import { loadRouterConfig } from "@plaza/router/env";
import { withDevSecrets } from "./dev-secrets.ts";
import { DEMO_PASSWORD, DEMO_USERS, seedDemoData, shouldSeedDemoData } from "./demo-data.ts";
import { startPlazaStack } from "./stack.ts";

async function main() {
  const dataDir = resolve(process.env.DATA_DIR ?? ".data");
  const env = withDevSecrets(process.env, dataDir);
  const { logLevel } = exitOnConfigError(() => loadRouterConfig(env));
  const logger = createLogger({ service: "plaza", level: logLevel });
  const stack = await startPlazaStack(env, logger);
  const shutdown = createShutdown(logger);
  shutdown.add("plaza", () => stack.stop());
  shutdown.installSignalHandlers();

  const seeded = shouldSeedDemoData(env);
  if (seeded) await seedDemoData(stack.routerUrl, logger);
  process.stdout.write(
    `\nPlaza is running: http://localhost:${stack.routerPort}/graphql\n` +
      `  mode: ${stack.embedded ? `embedded (PGlite shards in ${dataDir}, in-process event bus)` : stack.describe}\n` +
      (seeded ? `  demo logins: ${DEMO_USERS.map((u) => u.email).join(", ")} / ${DEMO_PASSWORD}\n` : "") +
      "\n",
  );
}

main().catch((err: unknown) => {
  // Configuration problems get one clear message, not a stack trace.
  if (err instanceof EnvError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`plaza failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
