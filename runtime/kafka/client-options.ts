/** Settings shared by every client this module creates. */
export interface ClientSettings {
  readonly clientId: string;
  readonly bootstrapServers: readonly string[];
}

export function baseOptions(settings: ClientSettings, suffix: string) {
  return {
    clientId: `${settings.clientId}-${suffix}`,
    bootstrapBrokers: [...settings.bootstrapServers],
    // Exponential from 10 ms: a new transaction that meets the previous one's markers still being
    // written (CONCURRENT_TRANSACTIONS) succeeds a few ms later, and a flat 500 ms delay there cost
    // half a second per hop. Capped at 1 s, 15 tries ride out a broker restart (~10 s in all).
    retries: 15,
    retryDelay: (_client: unknown, _operation: string, attempt: number) =>
      Math.min(1000, 10 * 2 ** Math.max(0, attempt - 1)),
    // Requests are local and small; 30 s only bounds a wedged connection.
    timeout: 30_000,
  };
}
