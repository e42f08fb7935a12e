/**
 * A FIFO async mutex. The stream thread holds it while it processes and commits a batch; rebalance
 * callbacks take it too, so a partition is never revoked in the middle of a transaction.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }
}
