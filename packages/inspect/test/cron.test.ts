import { describe, expect, it } from 'vitest';
import { checkCronSchedule } from '../src/index.js';

describe('cron schedule validation', () => {
  it.each([
    '* * * * *',
    '*/15 * * * *',
    '0 3 * * 1-5',
    '0 0 1,15 * *',
    '30 2 * JAN-MAR sun',
    '0 0 ? * 7',
    '5-55/10 * * * *',
    '@hourly',
    '@daily',
    '@every 1h30m',
  ])('accepts %s', (schedule) => {
    expect(checkCronSchedule(schedule)).toEqual({ valid: true });
  });

  it.each([
    ['', 'empty'],
    ['* * * *', 'expected 5 fields'],
    ['* * * * * *', 'expected 5 fields'],
    ['60 * * * *', 'outside 0-59'],
    ['0 0 0 * *', 'outside 1-31'],
    ['0 0 * 13 *', 'outside 1-12'],
    ['*/0 * * * *', 'positive'],
    ['10-5 * * * *', 'backwards'],
    ['a * * * *', 'not a number'],
    ['1,,2 * * * *', 'empty list item'],
    ['@fortnightly', 'unknown descriptor'],
    ['TZ=UTC 0 * * * *', 'spec.timeZone'],
    ['? * * * *', 'not a number'],
  ])('rejects "%s"', (schedule, problem) => {
    const check = checkCronSchedule(schedule);
    expect(check.valid).toBe(false);
    if (!check.valid) expect(check.problem).toContain(problem);
  });
});
