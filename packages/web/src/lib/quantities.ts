/** Cores as an operator reads them: millicores below one core, two decimals above. */
export function formatCores(cores: number | null | undefined): string {
  if (cores === null || cores === undefined) return '—';
  if (cores < 1) return `${Math.round(cores * 1000)}m`;
  return cores.toFixed(cores < 10 ? 2 : 1);
}

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Bytes in the largest binary unit that keeps the number at or above one. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${BINARY_UNITS[unit]}`;
}

/** `part` as a whole percentage of `whole`, or undefined when either is unknown. */
export function percentOf(
  part: number | null | undefined,
  whole: number | null | undefined,
): number | undefined {
  if (part === null || part === undefined || !whole) return undefined;
  return Math.round((part / whole) * 100);
}
