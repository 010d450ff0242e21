import type { Logger } from "pino";

export interface Shutdown {
  /** Steps run in registration order: register HTTP/WebSocket drain first, then consumers, then pools. */
  add(name: string, step: () => Promise<void> | void): void;
  run(reason: string): Promise<void>;
  /**
   * SIGINT/SIGTERM run the steps once, then exit. Also logs unhandled promise rejections instead of letting Node
   * end the process on one: a promise some request forgot to handle must not take every other request down.
   */
  installSignalHandlers(): void;
}

export function createShutdown(logger: Logger, opts: { stepTimeoutMs?: number } = {}): Shutdown {
  const steps: Array<{ name: string; step: () => Promise<void> | void }> = [];
  let running: Promise<void> | undefined;
  const stepTimeoutMs = opts.stepTimeoutMs ?? 10_000;

  const run = (reason: string) => {
    running ??= (async () => {
      logger.info({ reason }, "shutting down");
      for (const { name, step } of steps) {
        const started = Date.now();
        try {
          await Promise.race([
            Promise.resolve().then(step),
            new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), stepTimeoutMs).unref()),
          ]);
          logger.debug({ step: name, ms: Date.now() - started }, "shutdown step done");
        } catch (err) {
          logger.error({ step: name, err }, "shutdown step failed");
        }
      }
      logger.info("shutdown complete");
    })();
    return running;
  };

  return {
    add(name, step) {
      steps.push({ name, step });
    },
    run,
    installSignalHandlers() {
      process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled rejection"));
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
          void run(signal).finally(() => process.exit(0));
        });
      }
    },
  };
}
