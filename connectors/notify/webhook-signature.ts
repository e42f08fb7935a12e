import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256=';
const SIGNATURE_FORMAT = /^sha256=[0-9a-fA-F]{64}$/;

/** `sha256=<hex HMAC-SHA256 of the raw body>`: the value of the `X-Signature` header. */
export function signWebhookBody(rawBody: string | Buffer, secret: string): string {
  return PREFIX + createHmac('sha256', secret).update(rawBody).digest('hex');
}

/**
 * For receivers: true when `header` is the signature of exactly these bytes under `secret`.
 * Verify the raw body as received (before any JSON parsing: re-serializing changes the bytes).
 * The comparison is constant-time, so the check leaks nothing about how much of a forgery matched.
 *
 * @example
 * if (!verifyWebhookSignature(rawBody, req.headers['x-signature'], secret)) reply.code(401);
 */
export function verifyWebhookSignature(
  rawBody: string | Buffer,
  header: string | string[] | undefined,
  secret: string,
): boolean {
  // Checked strictly first: Buffer.from(hex) silently stops at the first non-hex character, so
  // `<valid signature>junk` would otherwise pass.
  if (typeof header !== 'string' || !SIGNATURE_FORMAT.test(header)) return false;
  const given = Buffer.from(header.slice(PREFIX.length), 'hex');
  const expected = Buffer.from(signWebhookBody(rawBody, secret).slice(PREFIX.length), 'hex');
  return timingSafeEqual(given, expected);
}
