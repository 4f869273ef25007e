import { InProcessBus, type EventBus } from '../core/bus.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logging.js';
import { JetStreamBus } from './jetstream-bus.js';
import { KafkaBus } from './kafka-bus.js';
import { kafkaConnectionOptions, kafkaServerOf } from './kafka-connection-options.js';
import { natsConnectionOptions, natsServerOf } from './nats-connection-options.js';

/**
 * The bus `bus.*` asks for: Kafka when bus.kafka.brokers is set, NATS
 * JetStream when bus.nats.url is set (config refuses both), else the
 * in-process bus (enough when every target runs in one process).
 */
export function openBus(config: Config, logger: Logger): EventBus {
  const { nats, kafka } = config.bus;
  if (kafka.brokers.length > 0) {
    return new KafkaBus(
      {
        brokers: kafka.brokers,
        clientId: kafka.clientId,
        connection: kafkaConnectionOptions(kafka),
        server: kafkaServerOf(kafka),
        topicPrefix: kafka.topicPrefix,
        consumerGroup: kafka.consumerGroup,
        partitions: kafka.partitions,
        replicationFactor: kafka.replicationFactor,
        maxAgeSeconds: kafka.maxAgeSeconds,
      },
      logger.child({ component: 'bus' }),
    );
  }
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
