import { addPartitionsToTxnV3, kGetApi, type Producer } from '@platformatic/kafka';

/**
 * Makes the producer add partitions to its transaction with AddPartitionsToTxn v3, the newest
 * version meant for clients. The client picks the newest version the broker offers (v5), but v4+
 * is the brokers' own batched form (KIP-890): the broker authorizes it as CLUSTER_ACTION on the
 * cluster, so under an authorizer every transactional producer was refused
 * (CLUSTER_AUTHORIZATION_FAILED) unless its principal held a broker's rights. The Java producer
 * sends v3 for the same reason. v3 takes the same arguments (one transaction) and answers the same.
 */
export function useClientAddPartitionsToTxn(producer: Producer): Producer {
  const getApi = producer[kGetApi].bind(producer) as (
    name: string,
    callback: (error: Error | null, api?: unknown) => void,
  ) => void;
  (producer as unknown as Record<typeof kGetApi, typeof getApi>)[kGetApi] = (name, callback) =>
    name === 'AddPartitionsToTxn' ? callback(null, addPartitionsToTxnV3.api) : getApi(name, callback);
  return producer;
}
