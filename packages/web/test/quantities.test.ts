import { describe, expect, it } from 'vitest';
import {
  binaryUnitOf,
  formatBytes,
  formatCores,
  percentOf,
  roundAxis,
} from '../src/lib/quantities.js';

describe('usage figures as the overview prints them', () => {
  it('prints cores as kubectl does: millicores below one core, no trailing zeros above', () => {
    expect(formatCores(0.25)).toBe('250m');
    expect(formatCores(0)).toBe('0');
    expect(formatCores(1.5)).toBe('1.5');
    expect(formatCores(16.749999)).toBe('16.75');
    expect(formatCores(32)).toBe('32');
    expect(formatCores(null)).toBe('—');
  });

  it('prints bytes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(formatBytes(57 * 2 ** 30)).toBe('57 GiB');
    expect(formatBytes(256 * 2 ** 30)).toBe('256 GiB');
    expect(formatBytes(1023 * 2 ** 20)).toBe('1023 MiB');
    expect(formatBytes(undefined)).toBe('—');
    expect(binaryUnitOf(768 * 2 ** 30)).toEqual({ unit: 'GiB', size: 2 ** 30 });
    expect(binaryUnitOf(0)).toEqual({ unit: 'B', size: 1 });
  });

  it('gives no percentage when the whole is unknown, rather than a misleading zero', () => {
    expect(percentOf(2, 96)).toBe(2);
    expect(percentOf(48, 96)).toBe(50);
    expect(percentOf(2, null)).toBeUndefined();
    expect(percentOf(null, 96)).toBeUndefined();
  });

  it('puts a trend axis on round steps just above the highest figure', () => {
    expect(roundAxis(96 * 1.02)).toEqual({ max: 100, interval: 25 });
    expect(roundAxis(768 * 1.02)).toEqual({ max: 800, interval: 200 });
    expect(roundAxis(3.2)).toEqual({ max: 4, interval: 1 });
    expect(roundAxis(0)).toEqual({ max: 1, interval: 0.25 });
  });
});
