import type { Exchange } from '../contract/exchange.ts';
import { envelopeShape } from './envelope.ts';
import { violation, type Check } from './types.ts';

/** SRV-NO-5XX: never a 5xx. */
export const no5xx: Check = (exchange) =>
  exchange.response.status >= 500 ? violation('no5xx', 'the target answered with a server error', 'a status below 500', `${exchange.response.status}`) : [];

/** SRV-500-SHAPE: a 500 still carries the error envelope. */
export const serverErrorShape: Check = (exchange) => {
  if (exchange.response.status !== 500) return [];
  // envelopeShape only looks at documented error statuses; judge the 500 as if it were one.
  const as400: Exchange = { ...exchange, response: { ...exchange.response, status: 400 } };
  return envelopeShape(as400).map((v) => ({ ...v, check: 'serverErrorShape', message: `500 without the envelope: ${v.message}` }));
};
