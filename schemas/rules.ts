import { FieldValidationError, type FieldProblem } from './field-errors.ts';
import { orderProblems, stockProblems } from './order-rules.ts';
import type { EventName, EventTypes } from './types.ts';

/** Domain rules the Avro schema cannot express (CONTRACT.md, docs/order-validation.md). */
const RULES: { [E in EventName]?: (value: EventTypes[E]) => FieldProblem[] } = {
  'order-created': orderProblems,
  'stock-adjusted': stockProblems,
};

/** A reason per broken rule is kept, up to this many: enough to fix an order, bounded for headers. */
const MAX_PROBLEMS = 20;

/** Throws a FieldValidationError naming every broken rule (the first 20) of the event's value. */
export function applyRules<E extends EventName>(event: E, value: EventTypes[E], what: string = event): void {
  const rules = RULES[event] as ((v: EventTypes[E]) => FieldProblem[]) | undefined;
  const problems = rules?.(value) ?? [];
  if (problems.length === 0) return;
  const shownProblems = problems.slice(0, MAX_PROBLEMS);
  if (problems.length > MAX_PROBLEMS)
    shownProblems.push({
      field: '(more)',
      reason: `${problems.length - MAX_PROBLEMS} more problems not listed`,
    });
  throw new FieldValidationError(what, shownProblems);
}
