import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@plaza/testkit/wait-for";
import type { BroadcastPost, FeedBroadcast } from "../src/application/ports/feed-broadcast.port.ts";

export interface OpenedBroadcasts {
  /** Two handles of one deployment (two posts instances; the same object where there is only one process). */
  publisher: FeedBroadcast;
  other: FeedBroadcast;
  close(): Promise<void>;
}

let counter = 0;
const post = (): BroadcastPost => ({
  id: `POST${counter++}`,
  authorId: "AUTHOR",
  body: "héllo 😀",
  createdAt: new Date().toISOString(),
});

export function runFeedBroadcastContract(name: string, open: () => Promise<OpenedBroadcasts>) {
  describe(`FeedBroadcast contract: ${name}`, () => {
    let opened: OpenedBroadcasts;
    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => opened?.close());

    it("delivers every published post to every listener, in order", async () => {
      const heardHere: BroadcastPost[] = [];
      const heardThere: BroadcastPost[] = [];
      const stopHere = await opened.publisher.subscribe((p) => heardHere.push(p));
      const stopThere = await opened.other.subscribe((p) => heardThere.push(p));
      const sent = [post(), post(), post()];
      for (const p of sent) await opened.publisher.publish(p);
      await waitFor(() => heardHere.length === 3 && heardThere.length === 3, { description: "three posts on both listeners" });
      expect(heardHere).toEqual(sent);
      expect(heardThere).toEqual(sent);
      await stopHere();
      await stopThere();
    });

    it("stops delivering to a listener that unsubscribed", async () => {
      const gone: BroadcastPost[] = [];
      const staying: BroadcastPost[] = [];
      const stopGone = await opened.other.subscribe((p) => gone.push(p));
      const stopStaying = await opened.other.subscribe((p) => staying.push(p));
      await stopGone();
      const sent = post();
      await opened.publisher.publish(sent);
      // The remaining listener hearing it proves the message was delivered after the unsubscribe.
      await waitFor(() => staying.length === 1, { description: "post on the remaining listener" });
      expect(gone).toEqual([]);
      await stopStaying();
    });
  });
}
