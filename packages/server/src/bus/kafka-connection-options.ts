import type { ConnectionOptions, SASLOptions } from '@platformatic/kafka';
import type { Config } from '../core/config.js';
import { readConfigFile } from './nats-connection-options.js';

type KafkaConfig = Config['bus']['kafka'];

/** TLS when asked for, or when any TLS file is given. */
const usesTls = ({ tls }: KafkaConfig) =>
  tls.enabled || Boolean(tls.caFile || tls.certFile || tls.keyFile);

/**
 * @platformatic/kafka connection options from `bus.kafka`: SASL (PLAIN,
 * SCRAM-SHA-256/512) when a mechanism is set, TLS when tls.enabled or any TLS
 * file is given (the CA replaces the system's; a client certificate for
 * brokers that require one). Files are read now, so a wrong path stops the
 * server at start naming the setting.
 */
export function kafkaConnectionOptions(kafka: KafkaConfig): ConnectionOptions {
  const options: ConnectionOptions = {};
  const { sasl, tls } = kafka;
  if (sasl.mechanism) {
    const credentials: SASLOptions = { mechanism: sasl.mechanism };
    if (sasl.username !== undefined) credentials.username = sasl.username;
    if (sasl.password !== undefined) credentials.password = sasl.password;
    options.sasl = credentials;
  }
  if (usesTls(kafka)) {
    options.tls = {
      ...(tls.caFile ? { ca: readConfigFile('bus.kafka.tls.caFile', tls.caFile) } : {}),
      ...(tls.certFile ? { cert: readConfigFile('bus.kafka.tls.certFile', tls.certFile) } : {}),
      ...(tls.keyFile ? { key: readConfigFile('bus.kafka.tls.keyFile', tls.keyFile) } : {}),
    };
  }
  return options;
}

/** Where the bus connects, for logs and /readyz (no credentials). */
export function kafkaServerOf(kafka: KafkaConfig): string {
  const scheme = `${kafka.sasl.mechanism ? 'sasl_' : ''}${usesTls(kafka) ? 'ssl' : 'plaintext'}`;
  return `${scheme}://${kafka.brokers.join(',')}`;
}
