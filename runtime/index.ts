/**
 * Running topologies on Kafka: the `StreamsApp` lifecycle, its configuration, metrics and tracing.
 * Everything under runtime/internals, runtime/task and runtime/kafka is machinery.
 */
export { StreamsApp, type StreamsState, type StreamsAppOptions } from './streams-app.ts';
export type { KeyQueryMetadata, StreamsMetadata } from './internals/streams-metadata.ts';
export {
  resolveStreamsConfig,
  defaultStreamsConfig,
  ProcessingGuarantee,
  type StreamsConfig,
  type StreamsConfigInput,
  type ProcessingExceptionHandling,
} from './config.ts';
export {
  SECURITY_PROTOCOLS,
  SASL_MECHANISMS,
  validateKafkaSecurity,
  type KafkaSecurity,
  type SecurityProtocol,
  type SaslMechanism,
  type SaslCredentials,
  type TlsSettings,
} from './security.ts';
export { StreamsMetrics } from './metrics/streams-metrics.ts';
export { combinedMetrics, PROMETHEUS_CONTENT_TYPE } from './metrics/combined-exposition.ts';
export { startTracing, type StopTracing, type TracingOptions } from './tracing/setup.ts';
export { continueTrace, traceparentOf, withServerSpan } from './tracing/trace-context.ts';
export { createLogger, type Logger } from './logger.ts';
export {
  DeadLetterHeader,
  DEAD_LETTER_TOPIC,
  readDeadLetterHeaders,
  type DeadLetterStage,
} from './task/index.ts';
export { KafkaClient, type TopicSpec, type ConsumedRecord } from './kafka-client.ts';
export { KafkaGroupAdmin, type GroupDescription, type CommittedOffsets } from './kafka/group-admin.ts';
