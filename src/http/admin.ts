// The emulator's state API (src/emulator/admin-server.ts) over HTTP: the one client through which the
// virtual clock, the rules that need emulator state and the Pact publisher reach it.
import { Agent, request } from 'undici';
import { IDLE_CONNECTIONS } from './client.ts';

export interface AdminEndpoint { url: string; token: string }

const ADMIN_TIMEOUT_MS = 10_000;
// Its own pool, with the suite's client's idle-connection bound (not undici's global one).
const dispatcher = new Agent(IDLE_CONNECTIONS);

/** One call of the state API; its JSON answer (undefined when empty). A status of 400 or more throws. */
export async function adminCall<T>(admin: AdminEndpoint, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<T> {
  const res = await send(admin, method, path, body).catch((error: { code?: string }) => {
    // "other side closed": on a loaded machine the client can run late past its idle bound and send on
    // a pooled connection the server is closing. Sent once more, on a new connection; a server that
    // really fails fails again.
    if (error.code === 'UND_ERR_SOCKET') return send(admin, method, path, body);
    throw error;
  });
  const text = await res.body.text();
  // A key in the path is never shown.
  if (res.statusCode >= 400) throw new Error(`emulator state API ${method} ${path.replace(/sk-[^/]+/, 'sk-…')} answered ${res.statusCode}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

function send(admin: AdminEndpoint, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) {
  return request(admin.url + path, {
    method,
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    dispatcher,
    headersTimeout: ADMIN_TIMEOUT_MS,
    bodyTimeout: ADMIN_TIMEOUT_MS,
  });
}
