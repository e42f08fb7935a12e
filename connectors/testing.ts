/** Fake third parties that speak the real protocols, for tests, the demo and the chaos suite. */
export { startFakeGateway } from './payment/fake-gateway.ts';
export type { FakeGateway, FakeGatewayOptions, FakeGatewayStats, Charge } from './payment/fake-gateway.ts';
export { startTestSmtpServer } from './notify/test-smtp-server.ts';
export type { CapturedEmail, TestSmtpServer, TestSmtpServerOptions } from './notify/test-smtp-server.ts';
export { startFakeSmsProvider } from './notify/fake-sms-provider.ts';
export type { FakeSmsProvider, FakeSmsProviderOptions, ReceivedSms } from './notify/fake-sms-provider.ts';
export { startFakeWebhookReceiver } from './notify/fake-webhook-receiver.ts';
export type {
  FakeWebhookReceiver,
  FakeWebhookReceiverOptions,
  ReceivedWebhook,
} from './notify/fake-webhook-receiver.ts';
