import { findSecrets } from '@kubeops/inspect';
import { clipText } from './anonymizer.js';

/**
 * Blanks credentials that logs and events sometimes print, before a prompt
 * is built, anonymized or not: what the inspection engine's secret detectors
 * recognise (keys, tokens, JWTs, passwords in URLs, Authorization and Cookie
 * headers, random-looking strings), plus values named like one
 * (password=..., "Bearer ..."). Unlike the anonymizer's tokens these are
 * never restored: no answer needs them.
 *
 * The text is clipped first and every pattern is linear (a match starts only
 * where a run of its characters starts; repetitions are bounded).
 */
const NAMED_VALUES: Array<[RegExp, string]> = [
  [
    /(?<![A-Za-z0-9])(bearer|basic)[ \t]{1,4}(?!\[redacted)[A-Za-z0-9._~+/=-]{8,4096}/gi,
    '$1 [redacted]',
  ],
  [
    /(?<![\w-])([\w-]{0,64}?(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?))(["']?[ \t]{0,4}[:=][ \t]{0,4}["']?)(?!\[redacted)[^\s"',;&]{1,4096}/gi,
    '$1$2[redacted]',
  ],
];

export function redactCredentials(text: string): string {
  const clipped = clipText(text);
  let out = '';
  let copiedTo = 0;
  for (const secret of findSecrets(clipped)) {
    out += `${clipped.slice(copiedTo, secret.start)}[redacted]`;
    copiedTo = secret.end;
  }
  out += clipped.slice(copiedTo);
  return NAMED_VALUES.reduce(
    (result, [pattern, replacement]) => result.replace(pattern, replacement),
    out,
  );
}
