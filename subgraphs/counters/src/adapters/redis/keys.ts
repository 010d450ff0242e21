import { counterKeyString, type CounterKey } from "../../domain/counter.ts";

/** Key names relative to the client's keyPrefix (ioredis prepends it to every key, not to channels). */
export const redisKeys = {
  counter: (key: CounterKey) => `ctr:v:${counterKeyString(key)}`,
  likes: (postId: string) => `ctr:likes:${postId}`,
  warm: "ctr:warm",
  rebuild: "ctr:rebuild",
  idempotency: (scope: string) => `ctr:idem:${scope}`,
  staged: (id: string) => `ctr:staged:${id}`,
  counterPattern: "ctr:v:*",
  likesPattern: "ctr:likes:*",
};

/** Pub/sub channels are not prefixed by ioredis: the service's key prefix is added here. */
export const changeChannel = (keyPrefix: string, key: CounterKey) => `${keyPrefix}ctr:changed:${counterKeyString(key)}`;
