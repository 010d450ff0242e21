// The router alone in its own process for the subscription benchmarks, configured from the environment like
// `npm run start:router`, plus an IPC hook that reports memory after a full GC (run with --expose-gc).
import { readFile, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { createHealth, createLogger } from "@plaza/kit";
import { buildRouter, createRouterMetrics } from "@plaza/router";
import { loadRouterConfig } from "@plaza/router/env";

const config = loadRouterConfig(process.env);
const logger = createLogger({ service: "router", level: config.logLevel });
const router = await buildRouter({
  supergraphSdl: await readFile(config.supergraphPath, "utf8"),
  subgraphUrls: config.subgraphUrls,
  jwtSecret: config.jwtSecret,
  jwtMaxTtlSeconds: config.jwtMaxTtlSeconds,
  sessions: config.sessions,
  internalAuthKey: config.internalAuthKey,
  logger,
  metrics: createRouterMetrics(),
  health: createHealth(),
  subgraphTimeoutMs: config.subgraphTimeoutMs,
  subgraphMaxConnections: config.subgraphMaxConnections,
  maxBodyBytes: config.maxBodyBytes,
  subscriptions: config.subscriptions,
});
const port = await router.listen(config.port, config.host);

let profiler: Session | undefined;
const gc = (globalThis as { gc?: () => void }).gc;
process.on("message", async (message: { type: string }) => {
  if (message.type === "memory") {
    // Two passes: the first may only schedule finalizers.
    gc?.();
    await new Promise((r) => setImmediate(r));
    gc?.();
    process.send!({
      type: "memory",
      gc: Boolean(gc),
      ...process.memoryUsage(),
      cpu: process.cpuUsage(),
      stats: router.subscriptions.stats(),
    });
  } else if (message.type === "profile-start") {
    // BENCH_CPU_PROF: a CPU profile of the measured rounds only (not start-up and connection set-up).
    profiler ??= new Session();
    profiler.connect();
    await profiler.post("Profiler.enable");
    await profiler.post("Profiler.start");
    process.send!({ type: "profile-started" });
  } else if (message.type === "profile-stop") {
    const { profile } = await profiler!.post("Profiler.stop");
    await writeFile((message as { type: string; path: string }).path, JSON.stringify(profile));
    process.send!({ type: "profile-stopped" });
  } else if (message.type === "stop") {
    await router.close();
    process.exit(0);
  }
});
process.send!({ type: "listening", port });
