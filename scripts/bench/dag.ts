/** Synthetic task graphs with known durations, reproducible from a seed. */
export interface BenchTask {
  id: string;
  deps: string[];
  durationMs: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Up to three dependencies on recent tasks, and skewed durations from 10 to
 * 200 ms: most tasks are short, a few are long, as in real jobs.
 */
export function randomDag(size: number, seed: number): BenchTask[] {
  const random = mulberry32(seed);
  const tasks: BenchTask[] = [];
  for (let i = 0; i < size; i++) {
    const deps = new Set<string>();
    const count = Math.floor(random() * 4);
    for (let k = 0; k < count && i > 0; k++) deps.add(`t${1 + Math.max(0, i - 1 - Math.floor(random() * 40))}`);
    tasks.push({ id: `t${i + 1}`, deps: [...deps], durationMs: 10 + Math.floor(190 * random() ** 3) });
  }
  return tasks;
}

/** max(critical path, total work / workers): no schedule can beat it. */
export function makespanLowerBound(tasks: readonly BenchTask[], workers: number): number {
  const finish = new Map<string, number>();
  for (const t of tasks) finish.set(t.id, Math.max(0, ...t.deps.map((d) => finish.get(d) ?? 0)) + t.durationMs);
  const critical = Math.max(...finish.values());
  const total = tasks.reduce((sum, t) => sum + t.durationMs, 0);
  return Math.max(critical, total / workers);
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
