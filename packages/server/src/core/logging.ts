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
  'config.database.password',
  'config.oidc.clientSecret',
  'config.auth.adminPassword',
  '*.secretAccessKey',
  '*.accountKey',
  'config.storage.s3.secretAccessKey',
  'config.storage.azure.accountKey',
];

/** Query parameters whose values are credentials (tokens, tickets, passwords, OIDC codes and signatures). */
const SECRET_QUERY_KEY = /token|ticket|password|passwd|secret|key|code|signature|credential|auth/i;

/**
 * A URL as it may be logged: the value of every credential-like query
 * parameter replaced, so a token a client puts in a URL stays out of the logs.
 */
export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let key = pair.slice(0, eq);
      try {
        key = decodeURIComponent(key.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: match the raw key
      }
      return SECRET_QUERY_KEY.test(key) ? `${pair.slice(0, eq)}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, at)}?${query}`;
}

/** Fastify's request serializer, with the URL's credentials removed. */
function requestForLog(req: {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'kubeops' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { req: requestForLog },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
