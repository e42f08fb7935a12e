/**
 * The engine's errors: one base class with a stable string `code` and an optional `cause`,
 * so callers branch on codes instead of parsing messages.
 */
export const ErrorCodes = {
  CONFIG: 'KSP_CONFIG',
  TOPOLOGY: 'KSP_TOPOLOGY',
  SERDE: 'KSP_SERDE',
  STATE_STORE: 'KSP_STATE_STORE',
  KAFKA: 'KSP_KAFKA',
  FENCED: 'KSP_FENCED',
  PROCESSING: 'KSP_PROCESSING',
  VALIDATION: 'KSP_VALIDATION',
  UNAVAILABLE: 'KSP_UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class StreamsError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StreamsError';
    this.code = code;
  }
}

/** A configuration value is missing or out of range; the message names the key, the value and what is allowed. */
export class ConfigError extends StreamsError {
  constructor(key: string, value: unknown, allowed: string) {
    super(ErrorCodes.CONFIG, `Invalid configuration ${key}=${JSON.stringify(value)}: ${allowed}`);
    this.name = 'ConfigError';
  }
}

/** The topology is malformed (unknown store, duplicate name, co-partitioning violated, ...). */
export class TopologyError extends StreamsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.TOPOLOGY, message, options);
    this.name = 'TopologyError';
  }
}

/** Bytes could not be turned into a value (or back). Records failing here go to the dead-letter topic. */
export class SerdeError extends StreamsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.SERDE, message, options);
    this.name = 'SerdeError';
  }
}

/** A value decoded but broke a rule of its schema or of the domain. Records failing here go to the dead-letter topic. */
export class ValidationError extends StreamsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.VALIDATION, message, options);
    this.name = 'ValidationError';
  }
}

export class StateStoreError extends StreamsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.STATE_STORE, message, options);
    this.name = 'StateStoreError';
  }
}

/**
 * What a Kafka failure needs, as Kafka Streams classifies client exceptions:
 * - `retry`: transient (a leader moved, a broker restarts, a timeout): abort, rebuild the tasks from
 *   committed state, back off and go on;
 * - `new-producer`: the producer's own state is stale (sequence numbers the broker no longer
 *   accepts, an epoch bumped by the coordinator after a transaction timeout): the same, with a new
 *   producer whose InitProducerId bumps the epoch and resets the sequences;
 * - `fatal`: no retry can fix it (fenced by another instance, not authorised, a record larger than
 *   the broker accepts): the app stops with the error.
 */
export type KafkaRecovery = 'retry' | 'new-producer' | 'fatal';

export class KafkaClientError extends StreamsError {
  readonly recovery: KafkaRecovery;
  /** Broker error names found in the client's error, e.g. `OUT_OF_ORDER_SEQUENCE_NUMBER`. */
  readonly brokerErrors: readonly string[];

  constructor(
    message: string,
    options?: { cause?: unknown; recovery?: KafkaRecovery; brokerErrors?: readonly string[] },
  ) {
    super(ErrorCodes.KAFKA, message, options);
    this.name = 'KafkaClientError';
    this.recovery = options?.recovery ?? 'retry';
    this.brokerErrors = options?.brokerErrors ?? [];
  }
}

/** Another instance with the same transactional id took over: this instance must stop processing its tasks. */
export class ProducerFencedError extends StreamsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.FENCED, message, options);
    this.name = 'ProducerFencedError';
  }
}

/**
 * A processor or punctuator failed and the task was told to fail rather than dead-letter (or the
 * task core was misused). The runtime aborts the open transaction and stops the task.
 */
export class ProcessingError extends StreamsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.PROCESSING, message, options);
    this.name = 'ProcessingError';
  }
}

/**
 * A system a processor depends on cannot be reached for now (a database, a service): retrying
 * later can succeed, so the record is neither dead-lettered nor stepped over. Thrown by a
 * processor (or the port it calls), it makes the stream thread rebuild the task from its committed
 * state and process the record again after a backoff, whatever the processing exception handler
 * says; a streak of failures that outlasts `taskTimeoutMs` stops the thread (app state ERROR), so
 * an outage that does not end is loud, never a silent loop and never a lost record.
 */
export class DependencyUnavailableError extends StreamsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.UNAVAILABLE, message, options);
    this.name = 'DependencyUnavailableError';
  }
}
