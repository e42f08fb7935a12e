import { skuName } from './order-factory.ts';
import { TopicProducer } from './order-producer.ts';

export interface LoadStockOptions {
  bootstrap: string;
  stockTopic: string;
  /** SKUs SKU-0 … SKU-(skus-1), the ones runOpenLoop orders from. */
  skus: number;
  /** Units added to each SKU (`StockAdjusted.delta`). */
  delta: number;
  clientId?: string;
}

/** Adds `delta` units of every SKU before a run, so reservations are decided by stock, not by its absence. */
export async function loadStock(options: LoadStockOptions): Promise<{ records: number }> {
  const producer = await TopicProducer.connect({
    bootstrap: options.bootstrap,
    topic: options.stockTopic,
    clientId: options.clientId ?? 'load-stock',
  });
  try {
    const now = Date.now();
    for (let from = 0; from < options.skus; from += 1000) {
      const to = Math.min(options.skus, from + 1000);
      const records = [];
      for (let n = from; n < to; n++) {
        records.push({
          key: skuName(n),
          value: JSON.stringify({ sku: skuName(n), delta: options.delta }),
          timestamp: now,
        });
      }
      await producer.send(records);
    }
    return { records: options.skus };
  } finally {
    await producer.close();
  }
}
