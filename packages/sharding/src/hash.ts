/**
 * The shard-key hash: MurmurHash3 (x86, 32-bit, seed 0) over the key's UTF-8 bytes.
 *
 * NEVER CHANGE THIS FUNCTION (algorithm, seed or encoding). Every stored row lives on the shard that
 * `murmur3(key) % bucketCount` chose when it was written; a different hash would silently route
 * lookups to the wrong shard. The golden values in hash.test.ts guard it.
 *
 * MurmurHash3 rather than FNV-1a because its final avalanche step spreads similar keys (user-1,
 * user-2, ...) evenly over the low bits that `% bucketCount` keeps.
 */

const encoder = new TextEncoder();
// One scratch buffer reused across calls: hashing happens on every routed query.
let scratch = new Uint8Array(256);

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** MurmurHash3 x86 32-bit of the UTF-8 encoding of `key`; an unsigned 32-bit integer. */
export function murmur3(key: string, seed = 0): number {
  // UTF-8 needs at most 3 bytes per UTF-16 code unit.
  if (scratch.length < key.length * 3) scratch = new Uint8Array(key.length * 3);
  const length = encoder.encodeInto(key, scratch).written;
  return murmur3Bytes(scratch, length, seed);
}

/** MurmurHash3 x86 32-bit of the first `length` bytes of `bytes`. */
export function murmur3Bytes(bytes: Uint8Array, length = bytes.length, seed = 0): number {
  let h = seed >>> 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (length & 3) {
    case 3:
      k ^= bytes[blocks + 2]! << 16;
    // falls through
    case 2:
      k ^= bytes[blocks + 1]! << 8;
    // falls through
    case 1:
      k ^= bytes[blocks]!;
      k = Math.imul(k, C1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, C2);
      h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
