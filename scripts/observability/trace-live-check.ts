/**
 * The trace part of `npm run observability:check`: every order of the run that reached SHIPPED
 * has one trace in Jaeger holding the whole saga — created → reserved → charged → shipped →
 * notified, each step a descendant of the one before (scripts/observability/saga-trace.ts).
 * Orders that ended otherwise (declined, out of stock, unknown SKU) stop earlier by design and
 * are counted apart. Their payment retries are part of the trace too (the engine's
 * continueTrace), so a gateway that fails 10 % of calls must not break a trace.
 */
import { checkOrderTraces } from './trace-check.ts';
import type { LiveCheck, LiveContext } from './extra-checks.ts';

async function statusOf(pipelineUrl: string, orderId: string): Promise<string | null> {
  const response = await fetch(`${pipelineUrl}/orders/${orderId}`);
  return response.ok ? ((await response.json()) as { status: string }).status : null;
}

export function traceLiveCheck(options: { queryUrl: string; flush: () => Promise<void> }): LiveCheck {
  return {
    name: 'traces',
    async run(context: LiveContext) {
      // The SDK exports in batches: send what it holds before asking Jaeger.
      await options.flush();
      const statuses = await Promise.all(context.orderIds.map((id) => statusOf(context.pipelineUrl, id)));
      const shipped = context.orderIds.filter((_, i) => statuses[i] === 'SHIPPED');
      context.progress(`checking the traces of ${shipped.length} shipped orders in Jaeger`);
      const report = await checkOrderTraces({ queryUrl: options.queryUrl, orderIds: shipped });
      for (const result of report.results.filter((r) => !r.complete).slice(0, 5))
        context.progress(
          `incomplete trace of ${result.orderId} (${result.traceCount} trace(s)): after ${result.steps.map((s) => s.step).join(' → ') || 'nothing'}, ` +
            `missing ${result.missing ? `'${result.missing.step}' (${result.missing.service}): ${result.missing.why}` : '?'}`,
        );
      const ok = shipped.length > 0 && report.complete === report.total;
      return {
        ok,
        summary: `traces: ${report.complete}/${report.total} shipped orders complete (${context.orderIds.length - shipped.length} orders ended otherwise)`,
      };
    },
  };
}
