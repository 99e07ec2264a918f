// Checks that a webhook request came from maskgate, recently. Give it the raw body, as
// received, before any JSON parsing (a re-serialised body would not match the signature).
import { createHmac, timingSafeEqual } from 'node:crypto';

const MAX_AGE_S = 5 * 60; // older (or future) timestamps are refused: a replayed request

export function verifyMaskgateWebhook(secret, headers, rawBody, nowS = Math.floor(Date.now() / 1000)) {
  const timestamp = headers['x-maskgate-timestamp'];
  const signature = headers['x-maskgate-signature'];
  if (typeof timestamp !== 'string' || !/^\d+$/.test(timestamp) || typeof signature !== 'string') return false;
  if (Math.abs(nowS - Number(timestamp)) > MAX_AGE_S) return false;
  const expected = Buffer.from('v1=' + createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex'));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
