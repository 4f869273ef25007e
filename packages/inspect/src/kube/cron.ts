/**
 * Validates CronJob schedules the way the Kubernetes controller parses them
 * (standard five fields plus the @descriptors), returning the first problem.
 */

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  // 7 is accepted as Sunday, as in most cron implementations.
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

const DESCRIPTORS = new Set([
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
]);

export type CronCheck = { valid: true } | { valid: false; problem: string };

function value(text: string, spec: FieldSpec): number | string {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  // Month names count from 1, weekday names from 0.
  if (named >= 0) return named + spec.min;
  if (!/^\d+$/.test(text)) return `"${text}" is not a number in the ${spec.name} field`;
  const n = Number(text);
  if (n < spec.min || n > spec.max) {
    return `${n} is outside ${spec.min}-${spec.max} in the ${spec.name} field`;
  }
  return n;
}

function checkField(text: string, spec: FieldSpec): string | undefined {
  for (const part of text.split(',')) {
    if (part === '') return `empty list item in the ${spec.name} field`;
    const [range, step, extra] = part.split('/');
    if (extra !== undefined) return `"${part}" has more than one step in the ${spec.name} field`;
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) === 0)) {
      return `step "${step}" must be a positive number in the ${spec.name} field`;
    }
    if (
      range === '*' ||
      (range === '?' && (spec.name === 'day of month' || spec.name === 'day of week'))
    ) {
      continue;
    }
    const bounds = (range ?? '').split('-');
    if (bounds.length > 2) return `"${range}" is not a range in the ${spec.name} field`;
    const numbers: number[] = [];
    for (const bound of bounds) {
      const parsed = value(bound, spec);
      if (typeof parsed === 'string') return parsed;
      numbers.push(parsed);
    }
    if (numbers.length === 2 && numbers[0]! > numbers[1]!) {
      return `range ${range} runs backwards in the ${spec.name} field`;
    }
  }
  return undefined;
}

export function checkCronSchedule(schedule: string): CronCheck {
  const trimmed = schedule.trim();
  if (trimmed === '') return { valid: false, problem: 'the schedule is empty' };
  if (/^(CRON_)?TZ=/.test(trimmed)) {
    return {
      valid: false,
      problem: 'time zones in the schedule are not allowed; use spec.timeZone',
    };
  }
  if (trimmed.startsWith('@')) {
    if (DESCRIPTORS.has(trimmed)) return { valid: true };
    const every = /^@every\s+((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/.exec(trimmed);
    if (every) return { valid: true };
    return { valid: false, problem: `unknown descriptor "${trimmed}"` };
  }
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5) {
    return {
      valid: false,
      problem: `expected 5 fields (minute hour day month weekday), found ${parts.length}`,
    };
  }
  for (let i = 0; i < 5; i++) {
    const problem = checkField(parts[i]!, FIELDS[i]!);
    if (problem) return { valid: false, problem };
  }
  return { valid: true };
}
