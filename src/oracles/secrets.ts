import type { Exchange } from '../http/types.ts';
import { contract } from '../contract/index.ts';
import { violation, type Violation } from './types.ts';

/** The forms of a key that must never come back: whole, and its secret part after the prefix. */
export function secretForms(key: string): string[] {
  const prefix = contract.limits.keys.prefix;
  const secret = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  // A very short secret part would match by accident; the whole key still counts.
  return secret.length >= 8 ? [key, secret] : [key];
}

/** SEC-NO-SECRET-ECHO: neither headers nor body contain the key that was sent. */
export function noSecretEcho(exchange: Exchange, sentKey: string | undefined): Violation[] {
  if (!sentKey) return [];
  const forms = secretForms(sentKey);
  const places: string[] = [];
  for (const [name, value] of Object.entries(exchange.response.headers)) {
    if (forms.some((f) => value.includes(f))) places.push(`header ${name}`);
  }
  if (forms.some((f) => exchange.response.bodyText.includes(f))) places.push('body');
  return places.length === 0 ? [] : violation('noSecretEcho', `the response echoes the API key that was sent (${places.join(', ')})`, 'no trace of the key', `key found in ${places.join(', ')}`);
}
