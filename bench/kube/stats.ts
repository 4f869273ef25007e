export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const ms = (n: number) => `${n.toFixed(1)} ms`;
export const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`;
