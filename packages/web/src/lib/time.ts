/** kubectl-style age: 45s, 12m, 3h, 5d, 2y. */
export function age(timestamp: string | null | undefined, now = Date.now()): string {
  if (!timestamp) return '';
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 730) return `${days}d`;
  return `${Math.floor(days / 365)}y`;
}

export function formatTime(timestamp: string | null | undefined): string {
  return timestamp ? new Date(timestamp).toLocaleString() : '';
}
