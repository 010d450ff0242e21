import { describe, expect, it } from "vitest";
import { createEvent } from "./create-event.ts";
import { createInProcessEventBus } from "./adapters/in-process-event-bus.ts";
import { deadLetterLabels, watchDeadLetters, type DeadLetterLabels } from "./dead-letter-metrics.ts";
import { PostCreated } from "./schemas/posts.ts";

const postCreated = (postId: string) =>
  createEvent(PostCreated, postId, { postId, authorId: "a1", body: "hi", createdAt: new Date().toISOString() });

describe("dead-letter metrics", () => {
  it("labels with bounded values: the consumer without its instance suffix, a domain topic or 'other'", () => {
    expect(
      deadLetterLabels({ consumer: "posts.entity-cache.3f9c2e", topic: "plaza.posts.v1", reason: "handler-failed" }),
    ).toEqual({ consumer: "posts.entity-cache", topic: "plaza.posts.v1", reason: "handler-failed" });
    expect(
      deadLetterLabels({ consumer: "router.response-cache.i-1", topic: "some.random.topic", reason: "unparseable" }),
    ).toEqual({
      consumer: "router.response-cache",
      topic: "other",
      reason: "unparseable",
    });
  });

  it("reports each dead letter of a shared bus to the service owning the consumer group only", async () => {
    const bus = createInProcessEventBus({ handlerRetry: { attempts: 1 } });
    const counted: Record<string, DeadLetterLabels[]> = { posts: [], counters: [] };
    const stops = ["posts", "counters"].map((service) =>
      watchDeadLetters(bus, service, (labels) => counted[service]!.push(labels)),
    );
    const fail = () => {
      throw new Error("cannot apply");
    };
    await bus.subscribe({ groupId: "posts.fanout", topics: [PostCreated.topic], handler: fail });
    await bus.subscribe({ groupId: "posts.entity-cache.instance-7", topics: [PostCreated.topic], handler: fail });
    await bus.subscribe({ groupId: "counters.post-projection", topics: [PostCreated.topic], handler: () => undefined });
    await bus.publish([postCreated("p1")]);
    await bus.idle();
    expect(counted.posts!.map((labels) => labels.consumer).sort()).toEqual(["posts.entity-cache", "posts.fanout"]);
    expect(counted.counters).toEqual([]);

    for (const stop of stops) stop();
    await bus.publish([postCreated("p2")]);
    await bus.idle();
    expect(counted.posts).toHaveLength(2);
    await bus.close();
  });
});
