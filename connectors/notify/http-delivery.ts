import type { Logger } from '../../runtime/index.ts';
import type { DeliveryOutcome, NotificationMessage } from '../../processors/ports.ts';
import { isRetryableStatus, postJson, type HttpPostRequest, type HttpPostResult } from '../http/post-json.ts';

/**
 * One delivery attempt of `message` over HTTP (the SMS and webhook channels): posts `request`,
 * classifies the answer, and logs a failure as `<channel> delivery failed`.
 */
export async function deliverOverHttp(
  channel: string,
  message: NotificationMessage,
  request: HttpPostRequest,
  logger: Logger,
): Promise<DeliveryOutcome> {
  const outcome = classifyDelivery(await postJson(request));
  if (!outcome.ok)
    logger.warn(
      { orderId: message.orderId, idempotencyKey: message.idempotencyKey, ...outcome },
      `${channel} delivery failed`,
    );
  return outcome;
}

/** 2xx delivered; 408/429/5xx, timeouts and connection errors retryable; any other status final. */
export function classifyDelivery(result: HttpPostResult): DeliveryOutcome {
  if (result.kind === 'timeout')
    return { ok: false, retryable: true, reason: `timeout after ${result.timeoutMs} ms` };
  if (result.kind === 'network')
    return { ok: false, retryable: true, reason: `connection error: ${result.reason}` };
  if (result.status >= 200 && result.status < 300) return { ok: true };
  const snippet = result.text.length > 200 ? `${result.text.slice(0, 200)}...` : result.text;
  return {
    ok: false,
    retryable: isRetryableStatus(result.status),
    reason: snippet.length > 0 ? `HTTP ${result.status}: ${snippet}` : `HTTP ${result.status}`,
  };
}
