import { ConfigError } from '../../topology/index.ts';

/** An absolute http(s) URL, without trailing slashes. */
export function checkHttpUrl(key: string, value: string): string {
  const url = URL.canParse(value) ? new URL(value) : null;
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigError(key, value, 'an absolute http(s) URL');
  }
  return value.replace(/\/+$/, '');
}

/** A deadline in milliseconds: finite and > 0. */
export function checkTimeoutMs(key: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigError(key, value, 'a finite number of milliseconds > 0');
  return value;
}

/** A required, non-empty string (secrets, API keys, addresses). */
export function checkNonEmpty(key: string, value: string, redact = false): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(key, redact ? '<redacted>' : value, 'a non-empty string');
  }
  return value;
}
