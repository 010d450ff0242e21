import { badUserInput } from "@plaza/kit";
import {
  counterKeyString,
  toGraphQLCount,
  validateResourceId,
  type Counter,
  type CounterKey,
  type CounterType,
} from "../../domain/counter.ts";
import type { IncrementInput, PostCountsView } from "../../application/counter-service.ts";
import { coalesce } from "../../application/coalesce.ts";
import type { CountersContext } from "./context.ts";
import type { Resolvers } from "./resolvers-types.generated.ts";

type KeyArgs = { resourceId: string; type: CounterType };

const keyOf = (args: KeyArgs): CounterKey => ({ resourceId: validateResourceId(args.resourceId), type: args.type });

/** `Counter` as GraphQL shows it (a 32-bit Int), built once instead of resolving `value` per item of a large list. */
const shown = (counter: Counter): Counter => ({
  resourceId: counter.resourceId,
  type: counter.type,
  value: toGraphQLCount(counter.value),
});

async function loadCounter(key: CounterKey, ctx: CountersContext): Promise<Counter> {
  return shown({ ...key, value: await ctx.counterLoader.load(counterKeyString(key)) });
}

export const resolvers: Resolvers = {
  Query: {
    counter: (_: unknown, args: KeyArgs, ctx: CountersContext) => loadCounter(keyOf(args), ctx),
    counters: async (_: unknown, args: { keys: KeyArgs[] }, ctx: CountersContext) => {
      const limit = ctx.services.batchLimit;
      if (args.keys.length > limit) throw badUserInput("keys", `at most ${limit} counters per request, got ${args.keys.length}`);
      const keys = args.keys.map(keyOf);
      const values = await ctx.counterLoader.loadMany(keys.map(counterKeyString));
      return keys.map((key, i) => {
        const value = values[i];
        if (value instanceof Error) throw value;
        return shown({ ...key, value: value! });
      });
    },
  },

  Mutation: {
    incrementCounter: async (_: unknown, args: { input: IncrementInput }, ctx: CountersContext) => {
      const counter = await ctx.services.counters.increment(args.input, ctx.viewerId);
      ctx.counterLoader.clear(counterKeyString(counter)).prime(counterKeyString(counter), counter.value);
      return shown(counter);
    },
    likePost: (_: unknown, args: { postId: string }, ctx: CountersContext) =>
      ctx.services.counters.like(args.postId, ctx.viewerId),
    unlikePost: (_: unknown, args: { postId: string }, ctx: CountersContext) =>
      ctx.services.counters.unlike(args.postId, ctx.viewerId),
  },

  Subscription: {
    counterChanged: {
      subscribe: async (
        _: unknown,
        args: KeyArgs,
        ctx: CountersContext,
      ): Promise<AsyncIterableIterator<{ counterChanged: Counter }>> => {
        const key = keyOf(args);
        const { services } = ctx;
        const updates = await coalesce<number>({
          subscribe: (push) => services.changes.watch(key, push),
          minIntervalMs: services.minUpdateIntervalMs,
          onCoalesced: services.onCoalesced,
        });
        services.onSubscriptionOpened();
        let closed = false;
        const close = () => {
          if (!closed) {
            closed = true;
            services.onSubscriptionClosed();
          }
        };
        return {
          async next() {
            const result = await updates.next();
            if (result.done) close();
            return result.done ? result : { done: false, value: { counterChanged: shown({ ...key, value: result.value }) } };
          },
          async return() {
            close();
            return updates.return!() as Promise<IteratorResult<never>>; // ends: no value
          },
          async throw(error: unknown) {
            close();
            return updates.throw!(error) as Promise<IteratorResult<never>>;
          },
          [Symbol.asyncIterator](this: AsyncIterableIterator<{ counterChanged: Counter }>) {
            return this;
          },
        };
      },
    },
  },

  Post: {
    __resolveReference: async (ref: { id: string }, ctx: CountersContext) => ({
      id: ref.id,
      ...(await ctx.postLoader.load(ref.id)),
    }),
    likeCount: (post: PostCountsView) => toGraphQLCount(post.likeCount),
    viewCount: async (post: PostCountsView, _: unknown, ctx: CountersContext) =>
      toGraphQLCount(post.viewCount ?? (await ctx.postLoader.load(post.id)).viewCount),
  },
};
