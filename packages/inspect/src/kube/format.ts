/** Renders cores as a Kubernetes CPU quantity, rounded up to whole millicores. */
export function formatCpu(cores: number): string {
  const milli = Math.max(1, Math.ceil(cores * 1000));
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Renders bytes as a Kubernetes memory quantity in whole MiB, rounded up. */
export function formatMemory(bytes: number): string {
  const mib = Math.max(1, Math.ceil(bytes / 2 ** 20));
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

export function formatMoney(amount: number, currency: string): string {
  return `${amount.toFixed(2)} ${currency}`;
}

export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 90) return `${minutes} minutes`;
  const hours = ms / 3_600_000;
  if (hours < 48) return `${hours.toFixed(1)} hours`;
  return `${(hours / 24).toFixed(1)} days`;
}
