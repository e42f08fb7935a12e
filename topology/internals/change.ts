/**
 * What flows between KTable processors: the new and the old value of a key (null: absent/deleted),
 * as in Kafka Streams' `Change<V>`. `toStream()` unwraps it to the new value.
 */
export interface Change<V> {
  readonly newValue: V | null;
  readonly oldValue: V | null;
}
