// Two small subgraphs for subscription benchmarks that need no database: "live" owns Subscription.itemAdded
// (fed by an in-process pub/sub through Mutation.publish), "extras" contributes Item.score, so every event needs
// one `rest` fetch across subgraphs, like counterChanged or feedUpdated would.
import { parse } from "graphql";
import { createHealth, createLogger, createMetrics, createSubgraphServer, type BaseContext } from "@plaza/kit";
import { composeSupergraph } from "@plaza/router/schema/compose";

const liveSdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query {
    liveInfo: String
  }
  type Item @key(fields: "id") {
    id: ID!
    title: String!
  }
  type Subscription {
    itemAdded(channel: String!): Item!
  }
  type Mutation {
    publish(channel: String!, title: String!): Item!
  }
`;
const extrasSdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query {
    extrasInfo: String
  }
  type Item @key(fields: "id") {
    id: ID!
    score: Int!
  }
`;

interface Item {
  id: string;
  title: string;
}

function createPubSub() {
  const topics = new Map<string, Set<(item: Item) => void>>();
  return {
    publish(topic: string, item: Item) {
      for (const push of topics.get(topic) ?? []) push(item);
    },
    subscribe(topic: string): AsyncIterableIterator<Item> {
      const queue: Item[] = [];
      let waiter: ((r: IteratorResult<Item>) => void) | undefined;
      const set = topics.get(topic) ?? new Set();
      topics.set(topic, set);
      const push = (item: Item) => {
        if (waiter) {
          const w = waiter;
          waiter = undefined;
          w({ done: false, value: item });
        } else queue.push(item);
      };
      set.add(push);
      return {
        next: () => (queue.length ? Promise.resolve({ done: false, value: queue.shift()! }) : new Promise((r) => (waiter = r))),
        return: () => {
          set.delete(push);
          waiter?.({ done: true, value: undefined });
          return Promise.resolve({ done: true, value: undefined });
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    },
  };
}

export interface BenchSubgraphs {
  liveUrl: string;
  extrasUrl: string;
  supergraphSdl: string;
  stop(): Promise<void>;
}

export async function startBenchSubgraphs(internalAuthKey: string): Promise<BenchSubgraphs> {
  const logger = createLogger({ service: "bench-subgraphs", level: "warn" });
  const pubsub = createPubSub();
  let seq = 0;
  const common = { logger, health: createHealth(), internalAuthKey, context: (base: BaseContext) => base };
  const live = createSubgraphServer<BaseContext>({
    ...common,
    service: "live",
    typeDefs: parse(liveSdl),
    metrics: createMetrics("live", { defaultMetrics: false }),
    resolvers: {
      Query: { liveInfo: () => "live" },
      Mutation: {
        publish: (_: unknown, args: { channel: string; title: string }) => {
          const item = { id: `item-${++seq}`, title: args.title };
          pubsub.publish(args.channel, item);
          return item;
        },
      },
      Subscription: {
        itemAdded: {
          subscribe: (_: unknown, args: { channel: string }) => pubsub.subscribe(args.channel),
          resolve: (item: Item) => item,
        },
      },
    } as never,
  });
  const extras = createSubgraphServer<BaseContext>({
    ...common,
    service: "extras",
    typeDefs: parse(extrasSdl),
    metrics: createMetrics("extras", { defaultMetrics: false }),
    resolvers: { Query: { extrasInfo: () => "extras" }, Item: { score: (item: { id: string }) => item.id.length } } as never,
  });
  const [livePort, extrasPort] = [await live.listen(0), await extras.listen(0)];
  const composed = composeSupergraph([
    { name: "live", url: `http://127.0.0.1:${livePort}/graphql`, sdl: liveSdl },
    { name: "extras", url: `http://127.0.0.1:${extrasPort}/graphql`, sdl: extrasSdl },
  ]);
  if (!composed.ok) throw new Error(`composition failed: ${JSON.stringify(composed.errors)}`);
  return {
    liveUrl: `http://127.0.0.1:${livePort}/graphql`,
    extrasUrl: `http://127.0.0.1:${extrasPort}/graphql`,
    supergraphSdl: composed.supergraphSdl,
    stop: async () => {
      await live.close();
      await extras.close();
    },
  };
}
