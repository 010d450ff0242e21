import { describe, expect, it } from "vitest";
import { createKafkaTestClient, waitFor } from "@plaza/testkit";
import { newSignUp, stackOnPrivateKafka } from "./test-stack.ts";
import { observeTopic } from "./kafka-events.ts";
import { ledgerBalanced } from "./payments-support.ts";

const SIGN_UP = "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }";
const CREATE =
  'mutation ($key: String!) { createPayment(input: { amount: 999, currency: "USD", purpose: MEMBERSHIP_MONTHLY }, idempotencyKey: $key) { id status } }';

// A private broker: this test stops it, which must not disturb other test files.
describe("payments while Kafka is down (real broker stopped and restarted)", () => {
  const running = stackOnPrivateKafka();

  it("commits the payment, its ledger entries and membership; the events are published once the broker is back", async () => {
    const signUp = await running.stack().gql<{ signUp: { token: string; user: { id: string } } }>(SIGN_UP, {
      input: newSignUp("kafkaout"),
    });
    const { token, user } = signUp.data!.signUp;

    await running.kafka().stop();
    const created = await running.stack().gql<{ createPayment: { id: string } }>(CREATE, { key: "during-outage" }, token);
    expect(created.errors).toBeUndefined();
    const id = created.data!.createPayment.id;
    await waitFor(
      async () =>
        (
          await running
            .stack()
            .gql<{ payment: { status: string } }>("query ($id: ID!) { payment(id: $id) { status } }", { id }, token)
        ).data?.payment.status === "SUCCEEDED",
      { timeoutMs: 60_000, intervalMs: 100, description: "payment settled while Kafka is down" },
    );
    expect(await ledgerBalanced(running.stack())).toBe(true);
    const unpublished = await Promise.all(
      running
        .stack()
        .payments.storage.shards.all.map((shard) =>
          shard.client.outboxEvent.count({ where: { publishedAt: null, key: { in: [id, user.id] } } }),
        ),
    );
    expect(unpublished.reduce((a, b) => a + b, 0)).toBe(2); // PaymentSucceeded, MembershipChanged

    await running.kafka().start();
    const observer = await observeTopic(createKafkaTestClient({ brokers: running.kafka().brokers }), "plaza.payments.v1");
    try {
      await waitFor(
        () => observer.of("PaymentSucceeded", id).length > 0 && observer.of("MembershipChanged", user.id).length > 0,
        {
          timeoutMs: 120_000,
          intervalMs: 250,
          description: "payment events published after the broker came back",
        },
      );
    } finally {
      await observer.stop();
    }
  });
});
