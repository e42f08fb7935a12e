import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The key a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>` (for clients
 * that keep Authorization for something else); null when it presents none.
 */
export function presentedApiKey(headers: IncomingHttpHeaders): string | null {
  const authorization = headers.authorization;
  const bearer = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer?.[1]) return bearer[1];
  const header = headers['x-api-key'];
  const value = Array.isArray(header) ? header[0] : header;
  return value === undefined || value === '' ? null : value;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether the request carries the expected key. Both sides are hashed first so the comparison is
 * constant-time whatever the presented length (timingSafeEqual needs equal lengths; comparing raw
 * strings would leak, through timing, how many leading characters matched).
 */
export function apiKeyMatches(expected: string, headers: IncomingHttpHeaders): boolean {
  const presented = presentedApiKey(headers);
  return presented !== null && timingSafeEqual(digest(presented), digest(expected));
}
