// Timing several sides against each other on a noisy machine: set each up (a side that fails is recorded, not
// fatal), then run them round-robin, rotating who goes first so no side always runs right after the heaviest
// one, and load from other jobs lands on all sides alike.

export interface Timed { name: string }

/** Sides whose setup succeeded; the others get their error in `failed`. */
export async function setUp<S extends Timed>(sides: S[], setup: (s: S) => Promise<void>, failed: Record<string, string>): Promise<S[]> {
  const active: S[] = [];
  for (const s of sides) {
    try {
      await setup(s);
      active.push(s);
    } catch (e) {
      failed[s.name] = (e as Error).message.slice(0, 400);
    }
  }
  return active;
}

/** Seconds per run for each side: `rounds` rounds, a side taking part in the first `runsOf(side)` of them. */
export async function interleavedSeconds<S extends Timed>(
  active: S[], rounds: number, runsOf: (s: S) => number, run: (s: S) => Promise<number>, failed: Record<string, string>,
): Promise<Map<S, number[]>> {
  const times = new Map<S, number[]>(active.map((s) => [s, []]));
  for (let r = 0; r < rounds; r++) {
    for (const s of [...active.slice(r % active.length), ...active.slice(0, r % active.length)]) {
      if (r >= runsOf(s) || failed[s.name]) continue;
      try {
        times.get(s)!.push(await run(s));
      } catch (e) {
        failed[s.name] = (e as Error).message.slice(0, 400);
      }
    }
  }
  return times;
}
