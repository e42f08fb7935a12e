import { markdownTable } from '../report/table.ts';
import type { OpenLoopResult } from './open-loop.ts';

/** A run as Markdown: the send side in one line, then one row per milestone. */
export function resultTable(result: OpenLoopResult): string {
  const ms = (v: number): string =>
    Number.isNaN(v) ? '–' : v === Number.POSITIVE_INFINITY ? '∞' : String(v);
  const header =
    `offered ${result.offeredRate}/s for ${result.durationS} s: ${result.intended} orders, ` +
    `${result.sent} sent (${result.achievedSendRate}/s)` +
    (result.sendFailed > 0 ? `, ${result.sendFailed} failed to send` : '') +
    `, send lag p99 ${ms(result.sendLag.p99Ms)} ms, max ${ms(result.sendLag.maxMs)} ms; ` +
    `timed out ${result.timedOut}, drain ${result.drainS} s` +
    (result.reader.errors > 0 ? `, ${result.reader.errors} status read errors (retried)` : '') +
    `; generator event-loop delay p99 ${result.generator.eventLoopDelayP99Ms} ms` +
    '\n\n';
  return (
    header +
    markdownTable(
      [
        'milestone',
        'completed',
        'skipped',
        'timed out',
        'achieved/s',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'p99.9 ms',
        'max ms',
      ],
      result.milestones.map((m) => [
        m.milestone,
        m.completed,
        m.skipped,
        m.timedOut,
        m.achievedRate,
        ms(m.p50Ms),
        ms(m.p90Ms),
        ms(m.p99Ms),
        ms(m.p999Ms),
        ms(m.maxMs),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    )
  );
}
