/**
 * Fake third parties that speak the real protocols, for tests, the demo and the chaos suite. They all
 * live under `fakes/`; production code (`index.ts` and the folders beside `fakes/`) never imports them.
 */
export { startFakeGateway } from './fakes/payment-gateway/fake-gateway.ts';
export type {
  FakeGateway,
  FakeGatewayOptions,
  FakeGatewayStats,
  Charge,
} from './fakes/payment-gateway/fake-gateway.ts';
export { startTestSmtpServer } from './fakes/notify/test-smtp-server.ts';
export type {
  CapturedEmail,
  TestSmtpServer,
  TestSmtpServerOptions,
} from './fakes/notify/test-smtp-server.ts';
export { startFakeSmsProvider } from './fakes/notify/fake-sms-provider.ts';
export type {
  FakeSmsProvider,
  FakeSmsProviderOptions,
  ReceivedSms,
} from './fakes/notify/fake-sms-provider.ts';
export { startFakeWebhookReceiver } from './fakes/notify/fake-webhook-receiver.ts';
export type {
  FakeWebhookReceiver,
  FakeWebhookReceiverOptions,
  ReceivedWebhook,
} from './fakes/notify/fake-webhook-receiver.ts';
