// The seeded social graph, decided by a seed alone: the seed generator (`npm run loadtest:seed`) builds it and the
// scenarios sign in as its users. No k6 imports: both runtimes use this module.
//   users:   `lt<seed>_<i>` for i in [0, users): handle, email `lt<seed>_<i>@loadtest.plaza.dev`, password below
//   follows: each user follows `follows` distinct others, chosen by the PRNG (per user)
//   posts:   each user writes `posts` posts, bodies chosen by the PRNG and numbered (per user)

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; the same seed gives the same sequence everywhere. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generator of its own for (seed, stream, index), so one user's choices do not depend on how many others exist. */
export function prngFor(seed: number, stream: number, index: number): () => number {
  return prng((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0);
}

export interface SeededUser {
  index: number;
  handle: string;
  email: string;
  password: string;
  displayName: string;
}

export const MAX_SEED = 0xffffffff;

/** The seeded user `index` of `seed` (handles stay within users' 30-character `[a-z0-9_]` rule). */
export function seededUser(seed: number, index: number): SeededUser {
  const handle = `lt${seed}_${index}`;
  return {
    index,
    handle,
    email: `${handle}@loadtest.plaza.dev`,
    // Letters and digits, at least 10 characters (users' password rule); known to anyone who knows the seed, so a
    // seeded deployment is a load-test deployment, never a production one.
    password: `loadtest-${seed}-password`,
    displayName: `Load test ${index}`,
  };
}

/** The indexes user `index` follows: `follows` distinct others out of `users` (fewer when there are not enough). */
export function followsOf(seed: number, index: number, users: number, follows: number): number[] {
  const count = Math.min(follows, users - 1);
  const random = prngFor(seed, 1, index);
  const chosen = new Set<number>();
  // Rejection sampling while the graph is sparse, a walk from a random start when dense: bounded either way.
  if (count * 2 <= users) {
    while (chosen.size < count) {
      const other = Math.floor(random() * users);
      if (other !== index) chosen.add(other);
    }
  } else {
    let other = Math.floor(random() * users);
    while (chosen.size < count) {
      if (other !== index) chosen.add(other);
      other = (other + 1) % users;
    }
  }
  return [...chosen];
}

const WORDS = [
  "coffee",
  "morning",
  "release",
  "weekend",
  "garden",
  "music",
  "deploy",
  "river",
  "bicycle",
  "sunset",
  "library",
  "pizza",
  "mountain",
  "graph",
  "shard",
  "train",
  "window",
  "concert",
  "recipe",
  "harbor",
  "meeting",
  "puzzle",
  "tea",
  "forest",
  "museum",
  "snow",
  "market",
  "podcast",
  "lantern",
  "festival",
];

/** The body of post `postIndex` of user `userIndex`: a few words and its number (which makes re-runs idempotent). */
export function postBody(seed: number, userIndex: number, postIndex: number): string {
  const random = prngFor(seed, 2, userIndex * 1_000_003 + postIndex);
  const length = 4 + Math.floor(random() * 12);
  const words = Array.from({ length }, () => WORDS[Math.floor(random() * WORDS.length)]);
  return `${words.join(" ")} #${postIndex}`;
}
