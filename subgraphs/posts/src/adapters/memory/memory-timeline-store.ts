import { compareFeedPositions, isAfter, type FeedPosition } from "../../domain/feed-position.ts";
import type { TimelineEntry, TimelineStore } from "../../application/ports/timeline-store.port.ts";

interface Timeline {
  built: boolean;
  /** Newest first. */
  entries: TimelineEntry[];
}

/** The embedded default: the same timeline semantics as the Redis store, in this process's memory. */
export function createMemoryTimelineStore(options: { maxLength: number }): TimelineStore {
  const timelines = new Map<string, Timeline>();

  const timelineOf = (viewerId: string): Timeline => {
    let timeline = timelines.get(viewerId);
    if (!timeline) {
      timeline = { built: false, entries: [] };
      timelines.set(viewerId, timeline);
    }
    return timeline;
  };

  const insert = (viewerId: string, entries: readonly TimelineEntry[]) => {
    const timeline = timelineOf(viewerId);
    const byId = new Map(timeline.entries.map((e) => [e.postId, e]));
    for (const entry of entries) byId.set(entry.postId, { postId: entry.postId, score: entry.score });
    timeline.entries = [...byId.values()].sort(compareFeedPositions).slice(0, options.maxLength);
    return timeline;
  };

  return {
    async addToMany(viewerIds, entry) {
      for (const viewerId of viewerIds) insert(viewerId, [entry]);
    },
    async add(viewerId, entries) {
      if (entries.length > 0) insert(viewerId, entries);
    },
    async remove(viewerIds, postIds) {
      const gone = new Set(postIds);
      for (const viewerId of viewerIds) {
        const timeline = timelines.get(viewerId);
        if (timeline) timeline.entries = timeline.entries.filter((e) => !gone.has(e.postId));
      }
    },
    async storeRebuilt(viewerId, entries) {
      insert(viewerId, entries).built = true;
    },
    async page(viewerId, limit, after: FeedPosition | null) {
      const timeline = timelines.get(viewerId);
      if (!timeline) return { built: false, entries: [] };
      return {
        built: timeline.built,
        entries: timeline.entries
          .filter((e) => isAfter(e, after))
          .slice(0, limit)
          .map((e) => ({ ...e })),
      };
    },
  };
}
