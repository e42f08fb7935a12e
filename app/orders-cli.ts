/**
 * `npm run orders -- place|status|stock`: the order API for people at a terminal (`--help`).
 */
import { ApiError, OrderApiClient, type StockView } from './cli/order-api-client.ts';
import { ORDERS_HELP, parseOrdersArgs, UsageError, type OrdersCommand } from './cli/orders-args.ts';
import { renderAccepted, renderOrder, renderStock } from './cli/orders-render.ts';

const out = (text: string) => process.stdout.write(`${text}\n`);
const json = (value: unknown) => out(JSON.stringify(value));

/** Runs one command; the exit code. */
export async function runOrdersCommand(command: OrdersCommand): Promise<number> {
  if (command.kind === 'help') {
    out(ORDERS_HELP);
    return 0;
  }
  const client = new OrderApiClient(command.url, command.apiKey);
  switch (command.kind) {
    case 'place': {
      const { status, body } = await client.place(command.order);
      if (command.json) json({ httpStatus: status, ...body });
      else out(renderAccepted(status, body));
      return 0;
    }
    case 'status': {
      const order = await client.order(command.orderId);
      out(command.json ? JSON.stringify(order) : renderOrder(order));
      return 0;
    }
    case 'stock': {
      // Every SKU is asked; one that is unknown is named and makes the exit code 1, the others print.
      const found: StockView[] = [];
      let failed = 0;
      for (const sku of command.skus) {
        try {
          found.push(await client.stock(sku));
        } catch (error) {
          if (!(error instanceof ApiError) || error.status === null) throw error;
          process.stderr.write(`orders: ${error.message}\n`);
          failed++;
        }
      }
      if (command.json) for (const s of found) json(s);
      else if (found.length > 0) out(renderStock(found));
      return failed > 0 ? 1 : 0;
    }
  }
}

async function main(): Promise<number> {
  try {
    return await runOrdersCommand(parseOrdersArgs(process.argv.slice(2), process.env));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`orders: ${error.message}\n(npm run orders -- --help)\n`);
      return 2;
    }
    if (error instanceof ApiError) {
      process.stderr.write(`orders: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.main) process.exitCode = await main();
