/**
 * Reciprocal rank fusion: each list votes 1/(k + rank) for its items. It
 * needs no score calibration between full-text (BM25) and vector (cosine)
 * search, which is why hybrid search uses it. k = 60 is the value from
 * Cormack et al. that most systems keep.
 */
export function reciprocalRankFusion(rankings: ReadonlyArray<readonly string[]>, k = 60): Array<{ id: string; score: number }> {
  const scores = new Map<string, number>();
  for (const ranking of rankings) {
    ranking.forEach((id, rank) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + rank + 1)));
  }
  return [...scores.entries()].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}
