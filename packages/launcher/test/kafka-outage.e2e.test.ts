import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { startKafka, waitFor, type KafkaHandle } from "@plaza/testkit";
import { newSignUp, startTestStack, type TestStack } from "./test-stack.ts";
import { observeTopic } from "./kafka-events.ts";

// A private broker: this test stops it, which must not disturb other test files.
describe("users while Kafka is down (real broker stopped and restarted)", () => {
  let kafka: KafkaHandle;
  let stack: TestStack;

  beforeAll(async () => {
    kafka = await startKafka();
    stack = await startTestStack({ kafkaBrokers: kafka.brokers });
  });
  afterAll(async () => {
    await stack?.stop();
    await kafka?.stop();
  });

  it("accepts sign-ups during the outage and publishes their events once the broker is back", async () => {
    await kafka.stop();
    const signUps = await Promise.all(
      [1, 2, 3].map(() =>
        stack.gql<{ signUp: { user: { id: string } } }>(
          "mutation ($input: SignUpInput!) { signUp(input: $input) { user { id } } }",
          {
            input: newSignUp("outage"),
          },
        ),
      ),
    );
    for (const result of signUps) expect(result.errors).toBeUndefined();
    const ids = signUps.map((r) => r.data!.signUp.user.id);

    await kafka.start();
    const observer = await observeTopic(new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }), "plaza.users.v1");
    try {
      await waitFor(() => ids.every((id) => observer.of("UserRegistered", id).length > 0), {
        timeoutMs: 90_000,
        intervalMs: 200,
        description: "UserRegistered events of the sign-ups made during the outage",
      });
      for (const id of ids) expect(observer.of("UserRegistered", id)).toHaveLength(1);
    } finally {
      await observer.stop();
    }
  });
});
