import { readFileSync } from 'node:fs';

/** Samples a process's resident set size (VmRSS from /proc) while a run lasts: peak and samples. */
export class RssSampler {
  private readonly pid: number;
  private readonly timer: NodeJS.Timeout;
  readonly samplesMb: number[] = [];

  constructor(pid: number, intervalMs = 500) {
    this.pid = pid;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }

  get peakMb(): number {
    return this.samplesMb.length === 0 ? Number.NaN : Math.max(...this.samplesMb);
  }

  stop(): { peakMb: number; lastMb: number } {
    clearInterval(this.timer);
    return { peakMb: this.peakMb, lastMb: this.samplesMb.at(-1) ?? Number.NaN };
  }

  private sample(): void {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      if (Number.isFinite(kb)) this.samplesMb.push(kb / 1024);
    } catch {
      // The process has exited: nothing more to sample.
    }
  }
}
