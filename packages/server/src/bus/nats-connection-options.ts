import { readFileSync } from 'node:fs';
import { credsAuthenticator, type ConnectionOptions } from 'nats';
import type { Config } from '../core/config.js';
import { KubeOpsError } from '../core/errors.js';

type NatsConfig = Config['bus']['nats'];

/** Where the bus connects, without credentials (safe for logs and /readyz). */
export function natsServerOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}

export function readConfigFile(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new KubeOpsError(
      'invalid_config',
      500,
      `${key}: cannot read ${path}: ${(error as Error).message}`,
      { details: { problems: [{ key, message: `cannot read ${path}` }] } },
    );
  }
}

/**
 * nats.js connection options from `bus.nats`: credentials from the URL's
 * user-info (how the Helm chart passes them) unless set on their own, TLS
 * when the URL says tls:// or any TLS file is given. Reconnection is left to
 * the client, which retries for ever with `reconnectWaitMs` between rounds.
 */
export function natsConnectionOptions(
  nats: NatsConfig & { url: string },
  reconnectWaitMs: number,
): ConnectionOptions {
  const url = new URL(nats.url);
  const user = nats.user ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const pass = nats.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  const wantsTls =
    url.protocol === 'tls:' || Object.values(nats.tls).some((value) => value !== undefined);
  const options: ConnectionOptions = {
    // nats.js ignores the scheme; TLS is required by passing `tls` below.
    servers: url.host,
    name: 'kubeops',
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: reconnectWaitMs,
    reconnectJitter: Math.ceil(reconnectWaitMs / 4),
    reconnectJitterTLS: Math.ceil(reconnectWaitMs / 2),
    pingInterval: 10_000,
    maxPingOut: 2,
  };
  if (user !== undefined) options.user = user;
  if (pass !== undefined) options.pass = pass;
  if (nats.token) options.token = nats.token;
  if (nats.credsFile) {
    options.authenticator = credsAuthenticator(
      new TextEncoder().encode(readConfigFile('bus.nats.credsFile', nats.credsFile)),
    );
  }
  if (wantsTls) {
    options.tls = {
      ...(nats.tls.caFile ? { ca: readConfigFile('bus.nats.tls.caFile', nats.tls.caFile) } : {}),
      ...(nats.tls.certFile
        ? { cert: readConfigFile('bus.nats.tls.certFile', nats.tls.certFile) }
        : {}),
      ...(nats.tls.keyFile
        ? { key: readConfigFile('bus.nats.tls.keyFile', nats.tls.keyFile) }
        : {}),
    };
  }
  return options;
}
