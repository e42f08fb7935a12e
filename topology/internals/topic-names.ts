/**
 * Internal topic names, as in CONTRACT.md: `<application.id>-<name>-repartition` and
 * `<application.id>-<store>-changelog`. Names are resolved late (the application id is a runtime
 * setting), so a topology can be built and described before it is configured.
 */
export const REPARTITION_TOPIC_SUFFIX = '-repartition';
export const CHANGELOG_TOPIC_SUFFIX = '-changelog';

export function repartitionTopicName(prefix: string): string {
  return prefix.endsWith(REPARTITION_TOPIC_SUFFIX) ? prefix : prefix + REPARTITION_TOPIC_SUFFIX;
}

/** `<applicationId>-<name>`, or the bare name when no application id is known yet. */
export function internalTopicName(applicationId: string | undefined, name: string): string {
  return applicationId === undefined ? name : `${applicationId}-${name}`;
}

export function changelogTopicName(applicationId: string | undefined, storeName: string): string {
  return internalTopicName(applicationId, storeName + CHANGELOG_TOPIC_SUFFIX);
}
