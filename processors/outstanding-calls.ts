import { PunctuationType, type Cancellable, type ProcessorContext } from '../topology/index.ts';

export interface OutstandingCallsOptions {
  /** Calls kept out at once; at the limit, `start` waits for one to answer. */
  maxInFlight: number;
  /** How often answers are applied while calls are out: the latency an answer waits at most. */
  checkIntervalMs: number;
}

interface Call<W, A> {
  work: W;
  answer?: A;
}

/**
 * Calls to a third party (a payment gateway, an SMTP server) that a processor makes without
 * waiting for the answer, so one slow call does not hold up its partition: `start` sends the call
 * and returns; a wall-clock punctuator, scheduled only while calls are out, hands each answer to
 * `apply` in the processor's own turn, where it may write stores and forward (inside the
 * transaction of that moment, which a promise's callback never is).
 *
 * What survives a crash is the processor's business: it records a call as made (in a store, with
 * a due time after which it is made again) before `start`, since answers of a dead process are
 * lost with it.
 */
export class OutstandingCalls<W, A> {
  private readonly options: OutstandingCallsOptions;
  private readonly apply: (work: W, answer: A) => Promise<void>;
  /** Made and not applied yet (answered or not), by id. */
  private readonly calls = new Map<string, Call<W, A>>();
  /** Still waiting for their answer: what `maxInFlight` bounds. */
  private readonly unanswered = new Set<Promise<void>>();
  private answered: [string, Call<W, A>][] = [];
  private check: Cancellable | null = null;
  private context!: Pick<ProcessorContext, 'schedule'>;

  constructor(options: OutstandingCallsOptions, apply: (work: W, answer: A) => Promise<void>) {
    this.options = options;
    this.apply = apply;
  }

  init(context: Pick<ProcessorContext, 'schedule'>): void {
    this.context = context;
  }

  /** Whether the call `id` was made by this instance and not applied yet. */
  has(id: string): boolean {
    return this.calls.has(id);
  }

  /**
   * Makes the call (`send` must not throw synchronously; a rejection is `onError`'s answer) and
   * returns once it is out, or, at `maxInFlight`, once some call answered.
   */
  async start(id: string, work: W, send: () => Promise<A>, onError: (error: unknown) => A): Promise<void> {
    const call: Call<W, A> = { work };
    const answered = send()
      .catch(onError)
      .then((answer) => {
        call.answer = answer;
        this.answered.push([id, call]);
        this.unanswered.delete(answered);
      });
    this.unanswered.add(answered);
    this.calls.set(id, call);
    this.check ??= this.context.schedule(this.options.checkIntervalMs, PunctuationType.WALL_CLOCK_TIME, () =>
      this.applyAnswers(),
    );
    if (this.unanswered.size >= this.options.maxInFlight) await Promise.race(this.unanswered);
  }

  close(): void {
    this.check?.cancel();
    this.check = null;
  }

  private async applyAnswers(): Promise<void> {
    const answered = this.answered;
    this.answered = [];
    for (const [id, call] of answered) {
      this.calls.delete(id);
      await this.apply(call.work, call.answer as A);
    }
    if (this.calls.size === 0) this.close();
  }
}
