/** Testing topologies without a broker: `TopologyTestDriver` and its test topics. */
export { TopologyTestDriver, type TopologyTestDriverConfig } from './topology-test-driver.ts';
export { TestInputTopic } from './test-input-topic.ts';
export { TestOutputTopic } from './test-output-topic.ts';
export type { TestRecord, OutputRecord } from './test-record.ts';
export type { DeadLetterRecord } from '../runtime/task/index.ts';
