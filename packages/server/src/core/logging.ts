import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out: credentials must never reach a log line, whether
 * they travel in headers, bodies or config objects.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.mfaToken',
  '*.clientSecret',
  '*.secret',
  '*.key',
  '*.apiKey',
  '*.adminPassword',
  'config.encryption',
  'config.database.url',
  'config.oidc.clientSecret',
  'config.auth.adminPassword',
  '*.secretAccessKey',
  '*.accountKey',
  'config.storage.s3.secretAccessKey',
  'config.storage.azure.accountKey',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'kubeops' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
