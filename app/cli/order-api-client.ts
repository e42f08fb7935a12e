/**
 * The order API (app/http-api.ts) as the orders CLI calls it: each call returns the decoded answer
 * or throws an ApiError whose message is one line a person can act on.
 */
import type { PlaceOrder } from './orders-args.ts';

/** What GET /orders/:id answers. */
export interface OrderView {
  orderId: string;
  status: string;
  createdAt: number;
  lines: Record<string, string>;
  amount: number;
  currency: string;
}

/** What GET /stock/:sku answers. */
export interface StockView {
  sku: string;
  onHand: number;
  available: number;
  reserved: number;
  shortfall: number;
}

/** What POST /orders answers with 202. */
export interface Accepted {
  orderId: string;
  status: string;
  ignoredFields?: string[];
}

export class ApiError extends Error {
  /** The HTTP status, or null when no answer came. */
  readonly status: number | null;
  constructor(message: string, status: number | null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

const TIMEOUT_MS = 10_000;

type Fetch = typeof fetch;

function errorText(body: unknown): string {
  const error = (body as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? error : JSON.stringify(body);
}

/** The one-line reason of a refused request (`what`: the thing asked for, e.g. "order o-1"). */
export function describeFailure(
  status: number,
  body: unknown,
  what: string,
  retryAfter: string | null,
): string {
  switch (status) {
    case 400: {
      const fields = (body as { fields?: { field: string; reason: string }[] } | null)?.fields;
      const reasons = fields?.length
        ? fields.map((f) => `${f.field}: ${f.reason}`).join('; ')
        : errorText(body);
      return `rejected (400): ${reasons}`;
    }
    case 401:
      return 'not authorized (401): the API wants a key; give --api-key KEY or set ORDER_API_KEY';
    case 404:
      return `${what} not found (404)`;
    case 409:
      return `conflict (409): ${errorText(body)}`;
    case 503:
      return `the pipeline cannot answer for ${what} right now (503: ${errorText(body)}); retry in ${retryAfter ?? '1'} s (it is restoring or rebalancing)`;
    default:
      return `unexpected answer ${status} for ${what}: ${errorText(body)}`;
  }
}

export class OrderApiClient {
  private readonly url: string;
  private readonly apiKey: string | null;
  private readonly fetchImpl: Fetch;

  constructor(url: string, apiKey: string | null, fetchImpl: Fetch = fetch) {
    this.url = url;
    this.apiKey = apiKey;
    this.fetchImpl = fetchImpl;
  }

  async place(order: PlaceOrder): Promise<{ status: number; body: Accepted }> {
    return this.call<Accepted>('/orders', `order ${order.orderId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.apiKey === null ? {} : { authorization: `Bearer ${this.apiKey}` }),
      },
      body: JSON.stringify(order),
    });
  }

  async order(orderId: string): Promise<OrderView> {
    return (await this.call<OrderView>(`/orders/${encodeURIComponent(orderId)}`, `order ${orderId}`)).body;
  }

  async stock(sku: string): Promise<StockView> {
    return (await this.call<StockView>(`/stock/${encodeURIComponent(sku)}`, `sku ${sku}`)).body;
  }

  private async call<T>(
    path: string,
    what: string,
    init: RequestInit = {},
  ): Promise<{ status: number; body: T }> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.url}${path}`, {
        ...init,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new ApiError(`no order API at ${this.url} (${cause}): is \`npm start\` running?`, null);
    }
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's page, say): shown as text.
    }
    if (!response.ok)
      throw new ApiError(
        describeFailure(response.status, body, what, response.headers.get('retry-after')),
        response.status,
      );
    return { status: response.status, body: body as T };
  }
}
