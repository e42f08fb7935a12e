import type {
  CompensationAction,
  CompensationCause,
  ReservationRejectReason,
  SagaMetricsPort,
} from '../../processors/ports.ts';

/**
 * The saga's metrics port kept in memory: each call as one line (`name:labels`), so a test can
 * say what a processor counted and how often, without prom-client in between.
 */
export class RecordingSagaMetrics implements SagaMetricsPort {
  readonly calls: string[] = [];
  /** End-to-end times handed over with each transition, by status. */
  readonly endToEnd: { status: string; endToEndMs: number | null }[] = [];

  duplicateOrder(): void {
    this.calls.push('duplicateOrder');
  }
  transition(status: string, endToEndMs: number | null): void {
    this.calls.push(`transition:${status}`);
    this.endToEnd.push({ status, endToEndMs });
  }
  reservationRejected(reason: ReservationRejectReason): void {
    this.calls.push(`reservationRejected:${reason}`);
  }
  oversell(): void {
    this.calls.push('oversell');
  }
  paymentAttempt(outcome: string): void {
    this.calls.push(`paymentAttempt:${outcome}`);
  }
  paymentRetry(): void {
    this.calls.push('paymentRetry');
  }
  paymentResult(outcome: string): void {
    this.calls.push(`paymentResult:${outcome}`);
  }
  compensation(action: CompensationAction, cause: CompensationCause): void {
    this.calls.push(`compensation:${action}:${cause}`);
  }
  notification(channel: string, outcome: 'sent' | 'failed' | 'retry'): void {
    this.calls.push(`notification:${channel}:${outcome}`);
  }

  /** How many times exactly this call (name and labels) was made. */
  count(call: string): number {
    return this.calls.filter((c) => c === call).length;
  }
}
