/**
 * The hook for more checks against the live run of `npm run observability:check`: each runs after
 * the dashboards and alerts were evaluated, while the pipeline, the stack and the run's orders are
 * still there, and fails the check when it says so. The trace check (trace-live-check.ts) is one;
 * check.ts builds it with the run's Jaeger and adds it to these.
 */
import type { SagaTopics } from '../../app/saga-topics.ts';

export interface LiveContext {
  /** The pipeline's order API, e.g. http://127.0.0.1:8080 (its /metrics is what Prometheus scrapes). */
  readonly pipelineUrl: string;
  readonly prometheusUrl: string;
  /** The run's application id (label application_id) and topics (prefixed with the run id). */
  readonly applicationId: string;
  readonly topics: SagaTopics;
  /** Orders posted by the run, every one terminal by now. */
  readonly orderIds: readonly string[];
  /** Progress line to the terminal and the check's report. */
  readonly progress: (line: string) => void;
}

export interface LiveCheck {
  readonly name: string;
  /** `summary` is printed beside the dashboards/alerts line, e.g. "traces: 300/300 orders". */
  run(context: LiveContext): Promise<{ ok: boolean; summary: string }>;
}

export const EXTRA_CHECKS: readonly LiveCheck[] = [];
