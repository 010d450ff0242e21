import { describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { waitFor } from "@plaza/testkit";
import { newSignUp, stackOnPrivateKafka } from "./test-stack.ts";
import { observeTopic } from "./kafka-events.ts";

// A private broker: this test stops it, which must not disturb other test files.
describe("users while Kafka is down (real broker stopped and restarted)", () => {
  const running = stackOnPrivateKafka();

  it("accepts sign-ups during the outage and publishes their events once the broker is back", async () => {
    await running.kafka().stop();
    const signUps = await Promise.all(
      [1, 2, 3].map(() =>
        running
          .stack()
          .gql<{ signUp: { user: { id: string } } }>(
            "mutation ($input: SignUpInput!) { signUp(input: $input) { user { id } } }",
            {
              input: newSignUp("outage"),
            },
          ),
      ),
    );
    for (const result of signUps) expect(result.errors).toBeUndefined();
    const ids = signUps.map((r) => r.data!.signUp.user.id);

    await running.kafka().start();
    const observer = await observeTopic(
      new Kafka({ brokers: running.kafka().brokers, logLevel: logLevel.NOTHING }),
      "plaza.users.v1",
    );
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
