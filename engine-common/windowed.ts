/** A time window [start, end): Kafka Streams' `TimeWindow`. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

/** A key and the window it was aggregated in: Kafka Streams' `Windowed<K>`. */
export interface Windowed<K> {
  readonly key: K;
  readonly window: Window;
}
