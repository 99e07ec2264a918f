/** Small statistics for benchmark results. */
export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return 0;
  const i = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return Number(sortedMs[i]!.toFixed(2));
}

export function rssMb(): number {
  return Math.round(process.memoryUsage().rss / 2 ** 20);
}

export function perSecond(count: number, ms: number): number {
  return ms > 0 ? Math.round((count * 1000) / ms) : 0;
}
