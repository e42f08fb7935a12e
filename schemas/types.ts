/** TypeScript shapes of the events; each matches its newest Avro schema in schemas/avro/. */
export interface OrderItem {
  sku: string;
  quantity: number;
  /** Minor units (cents). */
  unitPrice: number;
}

export interface Contact {
  email: string | null;
  phone: string | null;
  webhookUrl: string | null;
}

export interface OrderCreated {
  orderId: string;
  customerId: string;
  items: OrderItem[];
  currency: string;
  paymentMethod: string;
  contact: Contact;
  createdAt: number | null;
}

export interface StockAdjusted {
  sku: string;
  delta: number;
  reason: string | null;
}

export type ReservationAction = 'RESERVE' | 'RELEASE' | 'COMMIT';
export interface ReservationRequested {
  orderId: string;
  sku: string;
  quantity: number;
  action: ReservationAction;
}

export type ReservationOutcome = 'RESERVED' | 'REJECTED' | 'RELEASED' | 'COMMITTED';
export interface ReservationResult {
  orderId: string;
  sku: string;
  quantity: number;
  outcome: ReservationOutcome;
  /** Available stock of the SKU after this decision. */
  available: number;
  reason: string | null;
}

export type PaymentKind = 'CHARGE' | 'REFUND';
export interface PaymentRequested {
  orderId: string;
  amount: number;
  currency: string;
  paymentMethod: string;
  kind: PaymentKind;
}

export type PaymentOutcome = 'SUCCEEDED' | 'DECLINED' | 'FAILED';
export interface PaymentResult {
  orderId: string;
  outcome: PaymentOutcome;
  attempts: number;
  chargeId: string | null;
  reason: string | null;
}

export interface ShipmentScheduled {
  orderId: string;
  carrier: string;
  etaDays: number;
  scheduledAt: number;
}

export const ORDER_STATUSES = [
  'CREATED',
  'RESERVED',
  'PAID',
  'SHIPPED',
  'REJECTED',
  'PAYMENT_FAILED',
  'CANCELLED',
  'EXPIRED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const TERMINAL_STATUSES: readonly OrderStatus[] = ['SHIPPED', 'REJECTED', 'CANCELLED', 'EXPIRED'];

export interface OrderStatusChanged {
  orderId: string;
  status: OrderStatus;
  previousStatus: OrderStatus | null;
  reason: string | null;
  at: number;
  createdAt: number;
}

export type Channel = 'EMAIL' | 'SMS' | 'WEBHOOK';
export interface NotificationSent {
  orderId: string;
  channel: Channel;
  status: string;
  recipient: string;
  at: number;
}

export interface NotificationFailed {
  orderId: string;
  channel: Channel;
  status: string;
  recipient: string;
  reason: string;
  attempts: number;
  at: number;
}

export interface NotificationRequested {
  orderId: string;
  status: string;
  previousStatus: string | null;
  reason: string | null;
  email: string | null;
  phone: string | null;
  webhookUrl: string | null;
  at: number;
}

/** Event name → its TypeScript type; the names are the folders under schemas/avro/. */
export interface EventTypes {
  'order-created': OrderCreated;
  'stock-adjusted': StockAdjusted;
  'reservation-requested': ReservationRequested;
  'reservation-result': ReservationResult;
  'payment-requested': PaymentRequested;
  'payment-result': PaymentResult;
  'shipment-scheduled': ShipmentScheduled;
  'order-status-changed': OrderStatusChanged;
  'notification-sent': NotificationSent;
  'notification-failed': NotificationFailed;
  'notification-requested': NotificationRequested;
}
export type EventName = keyof EventTypes;
