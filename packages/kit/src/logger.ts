import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

export function createLogger(opts: { service: string; level?: LevelWithSilent | string }): Logger {
  return pino({
    name: opts.service,
    level: opts.level ?? "info",
    base: { service: opts.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Tokens and passwords must never reach logs, whatever the call site passes.
    redact: { paths: ["req.headers.authorization", "*.password", "password", "token", "*.token"], censor: "[redacted]" },
  });
}
