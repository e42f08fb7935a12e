import type { KeyValueStore } from '../state-stores/index.ts';
import type { Processor, ProcessorContext, StreamRecord } from '../topology/index.ts';
import type { ReservationRequested, ReservationResult, StockAdjusted } from '../schemas/index.ts';
import { noSagaMetrics, type SagaMetricsPort } from './ports.ts';

export const INVENTORY_STORE = 'inventory-store';
export const RESERVATIONS_STORE = 'inventory-reservations';

/** Stock of one SKU. Invariant kept by construction: onHand = available + reserved, available ≥ 0. */
export interface SkuStock {
  onHand: number;
  available: number;
  reserved: number;
  /** Shrinkage that could not be applied because the units were reserved (reported, never negative stock). */
  shortfall: number;
}

export type ReservationState = 'RESERVED' | 'COMMITTED' | 'RELEASED' | 'REJECTED';
export interface ReservationEntry {
  quantity: number;
  state: ReservationState;
  /** Set once a RESERVE that its RELEASE overtook was refused (and counted): replays are not. */
  reserveRefused?: true;
}

export type InventoryInput =
  { kind: 'request'; request: ReservationRequested } | { kind: 'stock'; stock: StockAdjusted };

const EMPTY: SkuStock = { onHand: 0, available: 0, reserved: 0, shortfall: 0 };

export function reservationKey(sku: string, orderId: string): string {
  return `${sku}\u0000${orderId}`;
}

/**
 * Decides reservations for the SKUs of one partition. Every request for a SKU reaches the single
 * task owning that SKU's partition and is decided here, one at a time, against this task's store:
 * that is why an oversell cannot happen. Decisions are idempotent per (sku, orderId): a repeated
 * request gets the recorded answer and changes nothing.
 */
export class InventoryProcessor implements Processor<string, InventoryInput, string, ReservationResult> {
  private readonly metrics: SagaMetricsPort;
  private context!: ProcessorContext<string, ReservationResult>;
  private stock!: KeyValueStore<string, SkuStock>;
  private reservations!: KeyValueStore<string, ReservationEntry>;

  constructor(options: { metrics?: SagaMetricsPort } = {}) {
    this.metrics = options.metrics ?? noSagaMetrics;
  }

  init(context: ProcessorContext<string, ReservationResult>): void {
    this.context = context;
    this.stock = context.getStateStore<KeyValueStore<string, SkuStock>>(INVENTORY_STORE);
    this.reservations = context.getStateStore<KeyValueStore<string, ReservationEntry>>(RESERVATIONS_STORE);
  }

  async process(record: StreamRecord<string, InventoryInput>): Promise<void> {
    const input = record.value;
    if (input.kind === 'stock') return this.adjust(input.stock);
    const request = input.request;
    const stored = await this.stock.get(request.sku);
    const sku = { ...EMPTY, ...stored };
    const key = reservationKey(request.sku, request.orderId);
    const existing = await this.reservations.get(key);
    let result: ReservationResult;
    switch (request.action) {
      case 'RESERVE':
        result = await this.reserve(request, sku, key, existing, stored === undefined);
        break;
      case 'RELEASE':
        result = await this.release(request, sku, key, existing);
        break;
      case 'COMMIT':
        result = await this.commit(request, sku, key, existing);
        break;
    }
    this.context.forward(record.withKey(request.orderId).withValue(result));
  }

  private async reserve(
    request: ReservationRequested,
    sku: SkuStock,
    key: string,
    existing: ReservationEntry | undefined,
    unknownSku: boolean,
  ): Promise<ReservationResult> {
    if (existing) {
      // Replayed request: answer what was decided, change nothing.
      // A released (or never-held, then released) reservation is not resurrected.
      const refused = existing.state === 'REJECTED' || existing.state === 'RELEASED';
      // A RESERVE after its RELEASE (the release overtook it) is a new refusal, counted once; a
      // REJECTED one was counted when it was decided.
      if (existing.state === 'RELEASED' && existing.quantity === 0 && !existing.reserveRefused) {
        this.metrics.reservationRejected('already_released');
        await this.reservations.put(key, { ...existing, reserveRefused: true });
      }
      return this.result(
        request,
        existing.quantity,
        refused ? 'REJECTED' : 'RESERVED',
        sku.available,
        refused ? `reservation is ${existing.state}` : null,
      );
    }
    if (sku.available < request.quantity) {
      this.metrics.reservationRejected(unknownSku ? 'unknown_sku' : 'insufficient_stock');
      await this.reservations.put(key, { quantity: request.quantity, state: 'REJECTED' });
      return this.result(
        request,
        request.quantity,
        'REJECTED',
        sku.available,
        `insufficient stock: ${sku.available} available, ${request.quantity} requested`,
      );
    }
    const next = {
      ...sku,
      available: sku.available - request.quantity,
      reserved: sku.reserved + request.quantity,
    };
    if (!this.keepsStock(next)) return this.refuseOversell(request, sku, key);
    return this.settle(request, key, next, request.quantity, 'RESERVED');
  }

  private async release(
    request: ReservationRequested,
    sku: SkuStock,
    key: string,
    existing: ReservationEntry | undefined,
  ): Promise<ReservationResult> {
    if (existing?.state !== 'RESERVED') {
      // Nothing held (never reserved, rejected, already released or committed): releasing is a no-op.
      if (!existing) await this.reservations.put(key, { quantity: 0, state: 'RELEASED' });
      return this.nothingHeld(request, 'RELEASED', sku, existing);
    }
    const next = {
      ...sku,
      available: sku.available + existing.quantity,
      reserved: sku.reserved - existing.quantity,
    };
    return this.settle(request, key, next, existing.quantity, 'RELEASED');
  }

  private async commit(
    request: ReservationRequested,
    sku: SkuStock,
    key: string,
    existing: ReservationEntry | undefined,
  ): Promise<ReservationResult> {
    if (existing?.state !== 'RESERVED') return this.nothingHeld(request, 'COMMITTED', sku, existing);
    const next = {
      ...sku,
      onHand: sku.onHand - existing.quantity,
      reserved: sku.reserved - existing.quantity,
    };
    // Counted but applied: the units left the warehouse; refusing the commit would not bring them back.
    this.keepsStock(next);
    return this.settle(request, key, next, existing.quantity, 'COMMITTED');
  }

  /**
   * Positive deltas add on-hand and available stock. Shrinkage removes only what is available:
   * reserved units are promised to orders, so the part that cannot be removed is recorded as
   * shortfall instead of making stock negative.
   */
  private async adjust(adjustment: StockAdjusted): Promise<void> {
    const sku = { ...EMPTY, ...(await this.stock.get(adjustment.sku)) };
    if (adjustment.delta >= 0) {
      await this.stock.put(adjustment.sku, {
        ...sku,
        onHand: sku.onHand + adjustment.delta,
        available: sku.available + adjustment.delta,
      });
      return;
    }
    const removable = Math.min(sku.available, -adjustment.delta);
    await this.stock.put(adjustment.sku, {
      ...sku,
      onHand: sku.onHand - removable,
      available: sku.available - removable,
      shortfall: sku.shortfall + (-adjustment.delta - removable),
    });
  }

  /**
   * The invariant as a last check before a write: no field of a SKU's stock below zero. The
   * decisions above keep it by construction, so a false here is a bug: counted as an oversell
   * (the metric that must stay 0) so it pages instead of hiding in the books; the refused
   * reservation's result says "would oversell" with the SKU.
   */
  private keepsStock(next: SkuStock): boolean {
    if (next.available >= 0 && next.onHand >= 0 && next.reserved >= 0) return true;
    this.metrics.oversell();
    return false;
  }

  private async refuseOversell(
    request: ReservationRequested,
    sku: SkuStock,
    key: string,
  ): Promise<ReservationResult> {
    await this.reservations.put(key, { quantity: request.quantity, state: 'REJECTED' });
    return this.result(request, request.quantity, 'REJECTED', sku.available, 'would oversell');
  }

  /** Writes the SKU's new stock and the reservation's new state, and answers with them. */
  private async settle(
    request: ReservationRequested,
    key: string,
    next: SkuStock,
    quantity: number,
    state: 'RESERVED' | 'RELEASED' | 'COMMITTED',
  ): Promise<ReservationResult> {
    await this.stock.put(request.sku, next);
    await this.reservations.put(key, { quantity, state });
    return this.result(request, quantity, state, next.available, null);
  }

  /** The answer to a RELEASE or COMMIT with no reservation held: nothing of it, and why. */
  private nothingHeld(
    request: ReservationRequested,
    outcome: 'RELEASED' | 'COMMITTED',
    sku: SkuStock,
    existing: ReservationEntry | undefined,
  ): ReservationResult {
    return this.result(
      request,
      0,
      outcome,
      sku.available,
      existing ? `reservation is ${existing.state}` : 'no reservation',
    );
  }

  private result(
    request: ReservationRequested,
    quantity: number,
    outcome: ReservationResult['outcome'],
    available: number,
    reason: string | null,
  ): ReservationResult {
    return { orderId: request.orderId, sku: request.sku, quantity, outcome, available, reason };
  }
}
