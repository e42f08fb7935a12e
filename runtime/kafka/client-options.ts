/** Settings shared by every client this module creates. */
export interface ClientSettings {
  readonly clientId: string;
  readonly bootstrapServers: readonly string[];
}

export function baseOptions(settings: ClientSettings, suffix: string) {
  return {
    clientId: `${settings.clientId}-${suffix}`,
    bootstrapBrokers: [...settings.bootstrapServers],
    // A broker restart takes a few seconds: retry long enough to ride it out (10 × 500 ms),
    // short enough that a dead cluster is reported within ~5 s rather than hanging.
    retries: 10,
    retryDelay: 500,
    // Requests are local and small; 30 s only bounds a wedged connection.
    timeout: 30_000,
  };
}
