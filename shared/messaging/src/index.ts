export { connectBroker, parseJson, PoisonMessageError, type Broker, type MessageHandler } from './broker';
export {
  assertTopology,
  deadLetterQueueName,
  queues,
  routingKeys,
  EVENTS_EXCHANGE,
  DEAD_LETTER_EXCHANGE,
  type QueueSpec,
  type RoutingKey,
} from './topology';
export { enqueueEvent, startOutboxRelay, OUTBOX_TABLE_SQL, type OutboxRelay } from './outbox';
