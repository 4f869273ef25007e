/**
 * Blanks credentials that logs and events sometimes print (password=...,
 * "Authorization: Bearer ...", JWTs, cloud access keys). Unlike the
 * anonymizer's tokens these are never restored: no answer needs them.
 */
const PATTERNS: Array<[RegExp, string]> = [
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  [
    /\b((?:[\w-]*?)(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?))(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi,
    '$1$2[redacted]',
  ],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[redacted-jwt]'],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, '[redacted-access-key]'],
  // user:password@ in connection strings.
  [/(\/\/[^/\s:@]+):[^/\s@]+@/g, '$1:[redacted]@'],
];

export function redactCredentials(text: string): string {
  return PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}
