export {
  brokerOptions,
  connectBroker,
  parseJson,
  PoisonMessageError,
  type Broker,
  type BrokerOptions,
  type DependencyOutage,
  type MessageHandler,
} from './broker';
export {
  assertTopology,
  deadLetterQueueName,
  deadLetterQueues,
  REJECTION_REASON_HEADER,
  ORIGINAL_QUEUE_HEADER,
  ORIGINAL_ROUTING_KEY_HEADER,
  queues,
  EVENTS_EXCHANGE,
  DEAD_LETTER_EXCHANGE,
  type QueueSpec,
} from './topology';
export { routingKeys, eventSchemas, parseEvent, type RoutingKey, type Event, type EventInput } from './contracts';
export { enqueueEvent, startOutboxRelay, OUTBOX_TABLE_SQL, OUTBOX_LEASE_SQL, type OutboxRelay, type RelayOptions } from './outbox';
