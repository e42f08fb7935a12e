/**
 * The arguments of `npm run orders -- place|status|stock` (app/orders-cli.ts), parsed into one
 * command. Pure: no I/O, so every rule is unit-tested.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
  /** Minor units (cents); 0 when the line gives no price. */
  readonly unitPrice: number;
}

export interface PlaceOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly items: readonly OrderLine[];
  readonly currency: string;
  readonly paymentMethod: string;
  readonly contact: { email?: string; phone?: string; webhookUrl?: string };
}

/** Where the API is and how to print, common to every command. */
export interface Connection {
  readonly url: string;
  readonly apiKey: string | null;
  readonly json: boolean;
}

export type OrdersCommand =
  | { readonly kind: 'help' }
  | ({ readonly kind: 'place'; readonly order: PlaceOrder } & Connection)
  | ({ readonly kind: 'status'; readonly orderId: string } & Connection)
  | ({ readonly kind: 'stock'; readonly skus: readonly string[] } & Connection);

/** A mistake in the arguments: printed with the usage hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const ORDERS_HELP = `Usage: npm run orders -- <command> [options]

Talks to the pipeline's order API (npm start) for people at a terminal.

Commands:
  place --customer ID --item SKU:QTY[:PRICE] [--item ...] [--currency EUR] [--email ADDRESS]
        [--phone +E164] [--webhook URL_OR_ID] [--payment-method card] [--order-id ID]
            POST /orders. PRICE is the unit price in minor units (1999 = 19.99 EUR), 0 when left
            out; the order id is generated (o-<time><random>) unless given. Prints the order id
            and the answer (202 accepted).
  status ORDER_ID
            GET /orders/:id: the order's status, amount and line states as a table.
  stock SKU [SKU ...]
            GET /stock/:sku for each SKU: on hand, available, reserved, shortfall.

Options:
  --url URL        the order API (default ORDER_API_URL, else http://127.0.0.1:HTTP_PORT, HTTP_PORT 8080)
  --api-key KEY    sent as Authorization: Bearer KEY on place (default ORDER_API_KEY)
  --json           print the API's answers as JSON lines, for scripts
  -h, --help       this text

Exit codes: 0 done, 1 the API refused or could not answer (the reason is printed), 2 bad arguments.

Examples:
  npm run orders -- place --customer c-7 --item SKU-RED:2:1999 --item SKU-BLUE:1:500 --email ada@example.com
  npm run orders -- status o-lzx3k9-1f2e
  npm run orders -- stock SKU-RED SKU-BLUE`;

/** `SKU:QTY[:PRICE]`, both numbers non-negative integers (the API checks the bounds and names them). */
export function parseItem(raw: string): OrderLine {
  const parts = raw.split(':');
  // A SKU may itself hold colons (`shop-eu:sku-1`): quantity and price are the last one or two parts.
  const numeric = (s: string | undefined) => s !== undefined && /^\d+$/.test(s);
  let sku: string;
  let quantity: string | undefined;
  let price: string | undefined;
  if (parts.length >= 3 && numeric(parts.at(-1)) && numeric(parts.at(-2))) {
    price = parts.at(-1);
    quantity = parts.at(-2);
    sku = parts.slice(0, -2).join(':');
  } else {
    quantity = parts.at(-1);
    sku = parts.slice(0, -1).join(':');
  }
  if (sku === '' || !numeric(quantity))
    throw new UsageError(`--item ${raw}: expected SKU:QTY[:PRICE] with whole numbers, e.g. SKU-RED:2:1999`);
  return { sku, quantity: Number(quantity), unitPrice: price === undefined ? 0 : Number(price) };
}

function generatedOrderId(now: number): string {
  return `o-${now.toString(36)}-${randomBytes(2).toString('hex')}`;
}

function connection(values: { url?: string; 'api-key'?: string; json?: boolean }, env: NodeJS.ProcessEnv) {
  const url = (values.url ?? env.ORDER_API_URL ?? `http://127.0.0.1:${env.HTTP_PORT || '8080'}`).replace(
    /\/+$/,
    '',
  );
  if (!/^https?:\/\/[^/\s]+/.test(url)) throw new UsageError(`--url ${url}: expected http://host:port`);
  const apiKey = values['api-key'] ?? env.ORDER_API_KEY ?? null;
  return { url, apiKey: apiKey === '' ? null : apiKey, json: values.json ?? false };
}

/** The command the arguments ask for; UsageError when they do not make one. */
export function parseOrdersArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
  now: number = Date.now(),
): OrdersCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        'api-key': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        customer: { type: 'string' },
        item: { type: 'string', multiple: true },
        currency: { type: 'string' },
        email: { type: 'string' },
        phone: { type: 'string' },
        webhook: { type: 'string' },
        'payment-method': { type: 'string' },
        'order-id': { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { kind: 'help' };
  const [command, ...rest] = positionals;
  const placeOnly = [
    'customer',
    'item',
    'currency',
    'email',
    'phone',
    'webhook',
    'payment-method',
    'order-id',
  ];
  if (command !== 'place') {
    const misplaced = placeOnly.filter((name) => values[name as keyof typeof values] !== undefined);
    if (misplaced.length > 0)
      throw new UsageError(`--${misplaced.join(', --')} only go with place, not with ${command}`);
  }
  switch (command) {
    case 'place': {
      if (rest.length > 0) throw new UsageError(`place takes no positional arguments, got ${rest.join(' ')}`);
      if (!values.customer) throw new UsageError('place needs --customer ID');
      if (!values.item || values.item.length === 0)
        throw new UsageError('place needs at least one --item SKU:QTY[:PRICE]');
      const contact = {
        ...(values.email !== undefined ? { email: values.email } : {}),
        ...(values.phone !== undefined ? { phone: values.phone } : {}),
        ...(values.webhook !== undefined ? { webhookUrl: values.webhook } : {}),
      };
      return {
        kind: 'place',
        ...connection(values, env),
        order: {
          orderId: values['order-id'] ?? generatedOrderId(now),
          customerId: values.customer,
          items: values.item.map(parseItem),
          currency: values.currency ?? 'EUR',
          paymentMethod: values['payment-method'] ?? 'card',
          contact,
        },
      };
    }
    case 'status':
      if (rest.length !== 1) throw new UsageError('status takes exactly one ORDER_ID');
      return { kind: 'status', ...connection(values, env), orderId: rest[0] as string };
    case 'stock':
      if (rest.length === 0) throw new UsageError('stock needs at least one SKU');
      return { kind: 'stock', ...connection(values, env), skus: rest };
    default:
      throw new UsageError(`unknown command ${command}: expected place, status or stock`);
  }
}
