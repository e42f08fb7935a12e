import { readdirSync, readFileSync } from 'node:fs';

/** VmRSS and PPid of a process, from /proc; null when it is gone. */
function status(pid: number): { rssKb: number; ppid: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      rssKb: Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? 0),
      ppid: Number(/PPid:\s+(\d+)/.exec(text)?.[1]),
    };
  } catch {
    return null;
  }
}

/**
 * Samples the resident set size (VmRSS) of a process and its children (a service's stream
 * processes count too) while a run lasts: peak and samples.
 */
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
    const root = status(this.pid);
    if (!root) return; // exited: nothing more to sample
    let kb = root.rssKb;
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid === this.pid) continue;
      const child = status(pid);
      if (child?.ppid === this.pid) kb += child.rssKb;
    }
    this.samplesMb.push(kb / 1024);
  }
}
