import net from 'node:net';
import type { OutboundGuard } from './guard.ts';

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A plain TCP connection through the guard, for protocols other than HTTP (SMTP from a
 * connection's settings). Resolves once connected, with the address checked being the one used.
 */
export function guardedConnect(guard: OutboundGuard, host: string, port: number): Promise<net.Socket> {
  try {
    guard.checkHost(host, port);
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: host.replace(/^\[(.*)\]$/, '$1'), port, lookup: guard.lookupFor(port) });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => {
      fail(Object.assign(new Error(`no connection to ${host}:${port} within ${CONNECT_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' }));
    });
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.removeListener('error', fail);
      resolve(socket);
    });
  });
}
