import kafkajs from "kafkajs";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createKafkaLogCreator, kafkaLogLevelFor } from "./kafka-client.ts";

const { logLevel } = kafkajs;

function capture(level = "debug") {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe("kafkajs logging through pino", () => {
  it("forwards entries with their namespace and extra fields at the matching level", () => {
    const { logger, lines } = capture();
    const log = createKafkaLogCreator(logger)(logLevel.DEBUG);
    const entry = (level: number, namespace: string, message: string) =>
      log({ namespace, level, label: "x", log: { timestamp: "t", logger: "kafkajs", message, groupId: "g" } });
    entry(logLevel.ERROR, "Consumer", "Crash");
    entry(logLevel.WARN, "Producer", "careful");
    entry(logLevel.INFO, "Runner", "joined");
    entry(logLevel.DEBUG, "Fetcher", "fetch");
    expect(lines.map((line) => [line.level, line.namespace, line.msg, line.component, line.groupId])).toEqual([
      [50, "Consumer", "Crash", "kafkajs", "g"],
      [40, "Producer", "careful", "kafkajs", "g"],
      [30, "Runner", "joined", "kafkajs", "g"],
      [20, "Fetcher", "fetch", "kafkajs", "g"],
    ]);
    expect(lines[0]).not.toHaveProperty("timestamp");
  });

  it("reports refused connections, which kafkajs retries, as warnings", () => {
    const { logger, lines } = capture();
    createKafkaLogCreator(logger)(logLevel.ERROR)({
      namespace: "Connection",
      level: logLevel.ERROR,
      label: "ERROR",
      log: { timestamp: "t", message: "Connection error: connect ECONNREFUSED" },
    });
    expect(lines[0]).toMatchObject({ level: 40, namespace: "Connection" });
  });

  it("derives the kafkajs log level from the logger's", () => {
    expect(kafkaLogLevelFor(pino({ level: "debug" }))).toBe(logLevel.DEBUG);
    expect(kafkaLogLevelFor(pino({ level: "info" }))).toBe(logLevel.INFO);
    expect(kafkaLogLevelFor(pino({ level: "warn" }))).toBe(logLevel.WARN);
    expect(kafkaLogLevelFor(pino({ level: "error" }))).toBe(logLevel.ERROR);
    expect(kafkaLogLevelFor(pino({ level: "silent" }))).toBe(logLevel.NOTHING);
  });
});
