import { InProcessBus, type EventBus } from '../core/bus.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logging.js';
import { JetStreamBus } from './jetstream-bus.js';
import { natsConnectionOptions, natsServerOf } from './nats-connection-options.js';

/**
 * The bus `bus.*` asks for: NATS JetStream when bus.nats.url is set, else
 * the in-process bus (enough when every target runs in one process). Kafka is
 * refused by config validation in this build.
 */
export function openBus(config: Config, logger: Logger): EventBus {
  const { nats } = config.bus;
  if (nats.url === undefined) {
    return new InProcessBus((error, subject) =>
      logger.error({ subject, err: error }, 'event handler failed'),
    );
  }
  return new JetStreamBus(
    {
      connection: natsConnectionOptions({ ...nats, url: nats.url }, 2000),
      server: natsServerOf(nats.url),
      stream: nats.stream,
      subjectPrefix: nats.subjectPrefix,
      durable: nats.durable,
      maxAgeSeconds: nats.maxAgeSeconds,
    },
    logger.child({ component: 'bus' }),
  );
}
