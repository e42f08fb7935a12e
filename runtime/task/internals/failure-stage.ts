import { DependencyUnavailableError, SerdeError, ValidationError } from '../../../topology/index.ts';
import type { DeadLetterStage } from '../dead-letter.ts';
import { serializationFailures } from './sink-processor.ts';

/**
 * Where a processing failure belongs. `validate`, `deserialize` and `serialize` failures are bad
 * data and always go to the dead-letter topic; `process` failures follow the task's handler.
 */
export function stageOf(error: unknown): DeadLetterStage {
  if (error instanceof SerdeError) return serializationFailures.has(error) ? 'serialize' : 'deserialize';
  if (error instanceof ValidationError) return 'validate';
  return 'process';
}

/**
 * The DependencyUnavailableError a failure comes from, if any (it may arrive wrapped as the cause
 * of another error): such a record is retried later, never dead-lettered.
 */
export function unavailableDependency(error: unknown): DependencyUnavailableError | null {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (current instanceof DependencyUnavailableError) return current;
    current = current.cause;
  }
  return null;
}
