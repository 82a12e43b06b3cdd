// Near-duplicate search over 64-bit difference hashes. Pairwise comparison is quadratic (25,000 images is 312 million
// pairs), so hashes are bucketed by chunks: two hashes within distance d agree exactly on at least one of d+1 chunks.

export interface HashedImage { id: string; dhash: string; sha256: string }
export interface NearDuplicatePair { a: string; b: string; distance: number }

// Measured on the shared flowers and dogs-vs-cats: at 3 every pair flagged was the same photo (resized, re-encoded or a
// burst shot); at 4, photos from different classes and different datasets began to match.
export const NEAR_DUPLICATE_DISTANCE = 3;

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/**
 * Pairs of different files (different content hashes) whose images look nearly the same.
 * `maxComparisons` bounds the work when many images share a hash (e.g. blank frames); `truncated` says it was hit.
 */
export function findNearDuplicates(
  images: readonly HashedImage[],
  maxDistance = NEAR_DUPLICATE_DISTANCE,
  maxComparisons = 20_000_000,
): { pairs: NearDuplicatePair[]; truncated: boolean } {
  const valid = images.filter((i) => /^[0-9a-f]{16}$/.test(i.dhash));
  const hi = valid.map((i) => parseInt(i.dhash.slice(0, 8), 16) >>> 0);
  const lo = valid.map((i) => parseInt(i.dhash.slice(8, 16), 16) >>> 0);
  const chunks = maxDistance + 1;
  const width = Math.ceil(64 / chunks);
  const seen = new Set<string>();
  const pairs: NearDuplicatePair[] = [];
  let comparisons = 0;
  for (let c = 0; c < chunks; c++) {
    const buckets = new Map<string, number[]>();
    for (let i = 0; i < valid.length; i++) {
      const key = chunkOf(valid[i].dhash, c * width, Math.min(64, (c + 1) * width));
      const bucket = buckets.get(key);
      if (bucket) bucket.push(i);
      else buckets.set(key, [i]);
    }
    for (const bucket of buckets.values()) {
      for (let x = 0; x < bucket.length; x++) {
        for (let y = x + 1; y < bucket.length; y++) {
          if (++comparisons > maxComparisons) return { pairs: sortPairs(pairs), truncated: true };
          const i = bucket[x], j = bucket[y];
          if (valid[i].sha256 === valid[j].sha256) continue;
          const d = popcount32((hi[i] ^ hi[j]) >>> 0) + popcount32((lo[i] ^ lo[j]) >>> 0);
          if (d > maxDistance) continue;
          const [a, b] = valid[i].id < valid[j].id ? [valid[i].id, valid[j].id] : [valid[j].id, valid[i].id];
          const key = `${a}\u0000${b}`;
          if (seen.has(key)) continue;
          seen.add(key);
          pairs.push({ a, b, distance: d });
        }
      }
    }
  }
  return { pairs: sortPairs(pairs), truncated: false };
}

function chunkOf(hex: string, fromBit: number, toBit: number): string {
  let bits = '';
  for (let i = Math.floor(fromBit / 4); i < Math.ceil(toBit / 4); i++)
    bits += parseInt(hex[i], 16).toString(2).padStart(4, '0');
  const offset = Math.floor(fromBit / 4) * 4;
  return bits.slice(fromBit - offset, toBit - offset);
}

function sortPairs(pairs: NearDuplicatePair[]): NearDuplicatePair[] {
  return pairs.sort((p, q) => (p.a < q.a ? -1 : p.a > q.a ? 1 : p.b < q.b ? -1 : p.b > q.b ? 1 : 0));
}
