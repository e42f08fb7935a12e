import { SerdeError, ValidationError } from '../../../topology/index.ts';
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
