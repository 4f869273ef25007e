import { describe, expect, it } from 'vitest';
import { formatBytes, formatCores, percentOf } from '../src/lib/quantities.js';

describe('usage figures as the overview prints them', () => {
  it('prints cores as millicores below one core and with decimals above', () => {
    expect(formatCores(0.25)).toBe('250m');
    expect(formatCores(1.5)).toBe('1.50');
    expect(formatCores(32)).toBe('32.0');
    expect(formatCores(null)).toBe('—');
  });

  it('prints bytes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(formatBytes(256 * 2 ** 30)).toBe('256 GiB');
    expect(formatBytes(undefined)).toBe('—');
  });

  it('gives no percentage when the whole is unknown, rather than a misleading zero', () => {
    expect(percentOf(2, 96)).toBe(2);
    expect(percentOf(48, 96)).toBe(50);
    expect(percentOf(2, null)).toBeUndefined();
    expect(percentOf(null, 96)).toBeUndefined();
  });
});
