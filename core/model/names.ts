// Name helpers shared by executors: the nearest known name for "did you mean" messages and quick
// fixes (edit distance), the kernel's limit on interface names, and the symbol keys of devices
// and namespaces.

import { KeyCache } from '../util/key-cache';

/** IFNAMSIZ is 16 including the terminating NUL: names have at most 15 characters. */
export const IFNAMSIZ_MAX = 15;

/** Levenshtein distance, bounded: returns limit+1 as soon as the distance exceeds limit. */
export function editDistance(a: string, b: string, limit = 3): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length];
}

/** The candidate closest to `name` within a small distance, or '' if none is close. */
export function nearestName(name: string, candidates: Iterable<string>): string {
  let best = '';
  let bestD = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  for (const c of candidates) {
    if (c === name) continue;
    const d = editDistance(name, c, bestD);
    if (d <= bestD && (best === '' || d < bestD)) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** Symbol keys `device:ID` and `netns:NAME`, one string each (kept by every reference): bounded
 *  caches of pure functions. */
const DEVICE_KEYS = new Map<number, string>();
export function deviceKey(id: number): string {
  let k = DEVICE_KEYS.get(id);
  if (k === undefined) {
    k = `device:${id}`;
    if (DEVICE_KEYS.size >= 65536) DEVICE_KEYS.clear();
    DEVICE_KEYS.set(id, k);
  }
  return k;
}
const NETNS_KEYS = new KeyCache((name) => `netns:${name}`);
export function netnsKey(name: string): string {
  return NETNS_KEYS.get(name);
}
