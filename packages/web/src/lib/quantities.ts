/** `value` with at most `decimals` decimals and no trailing zeros: 96, 16.75, 1.5. */
function trimmed(value: number, decimals: number): string {
  return String(Number(value.toFixed(decimals)));
}

/**
 * Cores as `kubectl top` prints them: millicores below one core, otherwise
 * cores with up to two decimals (a rate of 16.749999 is 16.75, and 96 is not 96.0).
 */
export function formatCores(cores: number | null | undefined): string {
  if (cores === null || cores === undefined) return '—';
  if (cores === 0) return '0';
  if (Math.abs(cores) < 1) return `${Math.round(cores * 1000)}m`;
  return trimmed(cores, 2);
}

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** The largest binary unit that keeps `bytes` at or above one, and its size in bytes. */
export function binaryUnitOf(bytes: number): { unit: string; size: number } {
  let unit = 0;
  while (Math.abs(bytes) >= 1024 ** (unit + 1) && unit < BINARY_UNITS.length - 1) unit++;
  return { unit: BINARY_UNITS[unit]!, size: 1024 ** unit };
}

/** Bytes in the largest binary unit that keeps the number at or above one: 512 B, 1.5 GiB, 768 GiB. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  const { unit, size } = binaryUnitOf(bytes);
  const value = bytes / size;
  return `${trimmed(value, size === 1 || value >= 100 ? 0 : 1)} ${unit}`;
}

/** `part` as a whole percentage of `whole`, or undefined when either is unknown. */
export function percentOf(
  part: number | null | undefined,
  whole: number | null | undefined,
): number | undefined {
  if (part === null || part === undefined || !whole) return undefined;
  return Math.round((part / whole) * 100);
}

/**
 * A value axis from zero that holds `highest` in about four round steps
 * (0, 25, 50, 75, 100 rather than 0 … 105.6), so its top label never
 * crowds the one below it.
 */
export function roundAxis(highest: number): { max: number; interval: number } {
  if (!(highest > 0)) return { max: 1, interval: 0.25 };
  const rough = highest / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const interval = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((step) => step >= rough)!;
  return { max: Math.ceil(highest / interval - 1e-9) * interval, interval };
}
