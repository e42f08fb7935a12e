import type avro from 'avsc';
import { FieldValidationError, shown, type FieldProblem } from '../field-errors.ts';

/**
 * Fills missing fields that have defaults (JSON producers may omit optional fields) and drops
 * fields the schema does not know (extra fields are ignored, as CONTRACT.md says).
 */
export function normalize(type: avro.Type, value: unknown): unknown {
  const name = type.typeName;
  if (name === 'record' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const field of (type as avro.types.RecordType).fields) {
      const present = field.name in input && input[field.name] !== undefined;
      const fieldDefault: unknown = field.defaultValue();
      out[field.name] = present ? normalize(field.type, input[field.name]) : fieldDefault;
    }
    return out;
  }
  if (name === 'array' && Array.isArray(value)) {
    return value.map((item) => normalize((type as avro.types.ArrayType).itemsType, item));
  }
  if (name === 'union:unwrapped' && value !== null && value !== undefined) {
    const branch = (type as avro.types.UnwrappedUnionType).types.find((t) => t.typeName !== 'null');
    return branch ? normalize(branch, value) : value;
  }
  return value;
}

/** Checks a value against the schema; the error names the first bad path, e.g. `items[0].quantity`. */
export function assertValid(type: avro.Type, value: unknown, what: string): void {
  const problems: FieldProblem[] = [];
  type.isValid(value, {
    errorHook: (path: string[], bad: unknown, badType: avro.Type) => {
      const location = path.reduce(
        (acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
        '',
      );
      problems.push({
        field: location || '(root)',
        reason: `expected ${describe(badType)}, got ${shown(bad)}`,
      });
    },
  });
  if (problems.length > 0) throw new FieldValidationError(what, problems.slice(0, 3));
}

function describe(type: avro.Type): string {
  if (type.typeName === 'enum') return `one of ${(type as avro.types.EnumType).symbols.join('|')}`;
  if (type.typeName === 'union:unwrapped')
    return (type as avro.types.UnwrappedUnionType).types.map(describe).join(' or ');
  return type.typeName;
}

/**
 * Paths of the fields `normalize` drops because the schema does not know them (`note`,
 * `contact.fax`, `items[0].colour`): CONTRACT.md has producers' extra fields ignored, and the order
 * API tells its client which ones were, so a misspelt optional field does not vanish unnoticed.
 */
export function ignoredFields(type: avro.Type, value: unknown, path = ''): string[] {
  const name = type.typeName;
  const at = (part: string) => (path ? `${path}.${part}` : part);
  if (name === 'record' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const fields = (type as avro.types.RecordType).fields;
    const known = new Map(fields.map((f) => [f.name, f.type]));
    return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => {
      const fieldType = known.get(key);
      return fieldType ? ignoredFields(fieldType, inner, at(key)) : [at(key)];
    });
  }
  if (name === 'array' && Array.isArray(value)) {
    const items = (type as avro.types.ArrayType).itemsType;
    return value.flatMap((item, i) => ignoredFields(items, item, `${path}[${i}]`));
  }
  if (name === 'union:unwrapped' && value !== null && value !== undefined) {
    const branch = (type as avro.types.UnwrappedUnionType).types.find((t) => t.typeName !== 'null');
    return branch ? ignoredFields(branch, value, path) : [];
  }
  return [];
}
