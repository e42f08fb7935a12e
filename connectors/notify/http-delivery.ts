import { isRetryableStatus, type HttpPostResult } from '../http/post-json.ts';
import type { DeliveryOutcome } from '../../processors/ports.ts';

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
