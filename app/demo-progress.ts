import type { OrderStatusChanged } from '../schemas/index.ts';
import { TERMINAL_STATUSES } from '../schemas/index.ts';
import type { RunningPipeline } from './pipeline.ts';

/**
 * Reads `order-status` while the demo runs (with the pipeline's own serde: JSON or Avro) and keeps
 * every order's status history, so progress can be shown as it happens and the books checked
 * from the same record of events at the end.
 */
export class StatusTally {
  readonly history = new Map<string, OrderStatusChanged[]>();
  private readonly byTerminal = new Map<string, number>();
  private readonly latencies: number[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(pipeline: RunningPipeline, topic: string) {
    const serde = pipeline.serdes.output('order-status-changed');
    this.loop = (async () => {
      while (this.running) {
        for (const record of await pipeline.kafka.readNew(topic)) {
          if (!record.value) continue;
          this.add(serde.deserialize(topic, record.value));
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
  }

  private add(event: OrderStatusChanged): void {
    this.history.set(event.orderId, [...(this.history.get(event.orderId) ?? []), event]);
    if (!TERMINAL_STATUSES.includes(event.status)) return;
    this.byTerminal.set(event.status, (this.byTerminal.get(event.status) ?? 0) + 1);
    this.latencies.push(event.at - event.createdAt);
  }

  terminalCount(): number {
    let count = 0;
    for (const n of this.byTerminal.values()) count += n;
    return count;
  }

  terminalByStatus(): ReadonlyMap<string, number> {
    return this.byTerminal;
  }

  /** The p99 of createdAt → terminal status so far (ms), NaN before the first. */
  p99Ms(): number {
    if (this.latencies.length === 0) return Number.NaN;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] as number;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/**
 * The demo's progress: one line rewritten in place on a terminal (about 5 times a second), a
 * plain line every 5 s otherwise (a CI log, a pipe), so the output stays readable in both.
 */
export class ProgressLine {
  private readonly out: NodeJS.WriteStream;
  private readonly render: () => string;
  private readonly timer: NodeJS.Timeout;
  private shown = false;

  constructor(out: NodeJS.WriteStream, render: () => string) {
    this.out = out;
    this.render = render;
    this.timer = setInterval(() => this.draw(), out.isTTY ? 200 : 5000);
  }

  private draw(): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${this.render()}`);
      this.shown = true;
    } else this.out.write(`${this.render()}\n`);
  }

  /** Stops updating and leaves the last state on its own line. */
  stop(): void {
    clearInterval(this.timer);
    this.draw();
    if (this.shown) this.out.write('\n');
  }
}

/** `produced 900/2000 · terminal 850 (SHIPPED 540, REJECTED 260, …) · p99 so far 412 ms` */
export function progressText(produced: number, total: number, tally: StatusTally): string {
  const statuses = TERMINAL_STATUSES.map((s) => `${s} ${tally.terminalByStatus().get(s) ?? 0}`).join(', ');
  const p99 = tally.p99Ms();
  return (
    `[demo] produced ${produced}/${total} · terminal ${tally.terminalCount()}/${total} (${statuses})` +
    (Number.isNaN(p99) ? '' : ` · p99 so far ${p99} ms`)
  );
}
