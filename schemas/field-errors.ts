import { ValidationError } from '../topology/index.ts';

/** One broken rule: the field's path (`items[2].sku`, `contact.email`) and why, naming what is allowed. */
export interface FieldProblem {
  readonly field: string;
  readonly reason: string;
}

/**
 * A value broke rules of its schema or of the domain. The message lists every `field: reason`
 * (it becomes the dead-letter `error.reason` header); `fields` carries them for the order API's
 * 400 answer. It is a ValidationError, so the engine dead-letters it like any other.
 */
export class FieldValidationError extends ValidationError {
  readonly fields: readonly FieldProblem[];

  constructor(what: string, fields: readonly FieldProblem[]) {
    super(`${what}: ${fields.map((f) => `${f.field}: ${f.reason}`).join('; ')}`);
    this.name = 'FieldValidationError';
    this.fields = fields;
  }
}

/** A value for a reason: JSON, and cut short so a 10,000-character input does not echo back whole. */
export function shown(value: unknown, max = 40): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}
