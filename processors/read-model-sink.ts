import type { Processor, ProcessorContext, StreamRecord } from '../topology/index.ts';
import type { OrderStatusChanged } from '../schemas/index.ts';

/**
 * Writes one status change with its source position; must skip positions it already applied.
 * Throws DependencyUnavailableError when the database cannot be reached now: the record is then
 * written once it is back, never dead-lettered; any other error is the record's own problem.
 */
export interface ReadModelPort {
  apply(record: {
    topic: string;
    partition: number;
    offset: bigint;
    value: OrderStatusChanged;
  }): Promise<void>;
}

/**
 * Keeps the SQL read model (orders and their current status) in step with `order-status`. The
 * database stores the applied offsets in the same transaction as the rows, and skips what it has
 * seen, so a replay after a crash changes nothing: exactly-once effect without a Kafka transaction.
 */
export class ReadModelSinkProcessor implements Processor<string, OrderStatusChanged> {
  private readonly readModel: ReadModelPort;
  private context!: ProcessorContext<never, never>;

  constructor(readModel: ReadModelPort) {
    this.readModel = readModel;
  }

  init(context: ProcessorContext<never, never>): void {
    this.context = context;
  }

  async process(record: StreamRecord<string, OrderStatusChanged>): Promise<void> {
    const source = this.context.recordMetadata();
    if (!source) return;
    await this.readModel.apply({ ...source, value: record.value });
  }
}
