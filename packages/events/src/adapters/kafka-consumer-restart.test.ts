import { EventEmitter } from "node:events";
import type { Consumer, ConsumerRunConfig } from "kafkajs";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { waitFor } from "@plaza/testkit";
import { runAndKeepRunning } from "./kafka-consumer-restart.ts";

const EVENTS = { CRASH: "consumer.crash", GROUP_JOIN: "consumer.group_join" } as const;

/** The parts of a kafkajs consumer the supervisor touches, recording calls; connect fails while `brokerDown`. */
function fakeConsumer() {
  const emitter = new EventEmitter();
  const calls: string[] = [];
  const state = { brokerDown: false };
  const consumer = {
    events: EVENTS,
    on: (event: string, listener: (e: { payload: unknown }) => void) => emitter.on(event, listener),
    connect: async () => {
      calls.push("connect");
      if (state.brokerDown) throw new Error("connect ECONNREFUSED");
    },
    run: async (_config: ConsumerRunConfig) => {
      calls.push("run");
    },
  };
  const crash = (restart: boolean) =>
    emitter.emit(EVENTS.CRASH, { payload: { error: new Error("Failed to find group coordinator"), groupId: "g", restart } });
  const join = () => emitter.emit(EVENTS.GROUP_JOIN, { payload: {} });
  return { consumer: consumer as unknown as Consumer, calls, state, crash, join };
}

const logger = pino({ level: "silent" });

describe("runAndKeepRunning", () => {
  it("connects and runs a consumer again after a crash kafkajs will not restart, until the broker is back", async () => {
    const fake = fakeConsumer();
    await runAndKeepRunning(fake.consumer, {}, { groupId: "g", logger, isStopping: () => false, maxDelayMs: 20 });
    expect(fake.calls).toEqual(["run"]);
    fake.state.brokerDown = true;
    fake.crash(false);
    await waitFor(() => fake.calls.filter((c) => c === "connect").length >= 3, { description: "repeated connect attempts" });
    expect(fake.calls.filter((c) => c === "run")).toHaveLength(1);
    fake.state.brokerDown = false;
    await waitFor(() => fake.calls.at(-1) === "run", { description: "the consumer run again" });
    fake.join();
  });

  it("leaves crashes kafkajs restarts itself, and consumers being stopped, alone", async () => {
    const fake = fakeConsumer();
    let stopping = false;
    await runAndKeepRunning(fake.consumer, {}, { groupId: "g", logger, isStopping: () => stopping, maxDelayMs: 10 });
    fake.crash(true);
    stopping = true;
    fake.crash(false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.calls).toEqual(["run"]);
  });
});
