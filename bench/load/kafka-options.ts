/** Options shared by the load generator's own @platformatic/kafka clients. */
export function clientOptions(bootstrap: string, clientId: string) {
  return {
    clientId,
    bootstrapBrokers: bootstrap
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
    // Short exponential retries: a load run is short, and a stuck request should fail the run
    // visibly rather than stretch it.
    retries: 10,
    retryDelay: (_client: unknown, _operation: string, attempt: number) =>
      Math.min(1000, 10 * 2 ** Math.max(0, attempt - 1)),
    timeout: 30_000,
  };
}
