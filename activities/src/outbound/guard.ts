import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import { decidingAddress, parseAddress, refusedCategory, type RefusedCategory } from './address.ts';
import { allowsAddress, allowsHost, normalizeHost, parseAllowlist, type AllowEntry } from './allowlist.ts';

export const ALLOW_ENV = 'FLIGHTDECK_OUTBOUND_ALLOW';

/** Names that reach the machine itself or a cloud's metadata service whatever DNS says. */
const REFUSED_NAMES: { test: (h: string) => boolean; category: RefusedCategory }[] = [
  { test: (h) => h === 'localhost' || h.endsWith('.localhost'), category: 'loopback' },
  { test: (h) => h === 'metadata.google.internal' || h === 'metadata.goog' || h === 'metadata', category: 'metadata' },
];

/** A destination the policy refuses. Never worth retrying: the same address is refused again. */
export class OutboundRefused extends Error {
  readonly code = 'OUTBOUND_REFUSED';
  constructor(
    readonly host: string,
    readonly address: string | undefined,
    readonly category: RefusedCategory,
  ) {
    const what = address && address !== host ? `${host} (${address})` : host;
    super(`Refused: ${what} is ${article(category)} ${category} address; allow it with ${ALLOW_ENV}`);
    this.name = 'OutboundRefused';
  }
}

function article(c: string): string {
  return /^[aeiou]/.test(c) ? 'an' : 'a';
}

/** Resolves a host name to every address it has; tests inject one to play DNS tricks. */
export type Resolver = (host: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (err, addrs) => (err ? reject(err) : resolve(addrs))));

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** The shape `net.connect({ lookup })` calls. */
export type SocketLookup = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback) => void;

export interface OutboundGuard {
  /** The operator's exceptions, as configured. */
  readonly allow: readonly AllowEntry[];
  /**
   * What can be decided from the URL alone (an IP literal, a refused name), before any
   * connection. Throws `OutboundRefused`. Host names are decided again at connect time.
   */
  checkHost(host: string, port: number): void;
  /**
   * The `lookup` for a socket to `port`: it resolves, refuses when any address is refused, and
   * hands the socket exactly the addresses it checked, so a second DNS answer cannot differ.
   */
  lookupFor(port: number): SocketLookup;
  /** Resolves and checks, for callers that connect by address themselves. */
  resolve(host: string, port: number): Promise<LookupAddress[]>;
}

export interface OutboundGuardOptions {
  /** Entries as in `FLIGHTDECK_OUTBOUND_ALLOW` (a string to split, or the entries). */
  allow?: string | readonly string[];
  resolver?: Resolver;
}

/** A guard refusing every non-public destination the allowlist does not name. */
export function createOutboundGuard(opts: OutboundGuardOptions = {}): OutboundGuard {
  const allow = parseAllowlist(opts.allow);
  const resolver = opts.resolver ?? systemResolver;

  function checkAddress(host: string, address: string, port: number): void {
    const addr = parseAddress(address);
    // A resolver answering with something that is not an address is not to be trusted.
    if (!addr) throw new OutboundRefused(host, address, 'reserved');
    const category = refusedCategory(addr);
    if (category && !allowsAddress(allow, addr, port)) throw new OutboundRefused(host, decidingAddress(addr).toString(), category);
  }

  function checkHost(rawHost: string, port: number): void {
    const host = normalizeHost(rawHost.replace(/^\[(.*)\]$/, '$1'));
    if (allowsHost(allow, host, port)) return;
    if (parseAddress(host)) return checkAddress(host, host, port);
    const named = REFUSED_NAMES.find((n) => n.test(host));
    if (named) throw new OutboundRefused(host, undefined, named.category);
  }

  async function resolve(rawHost: string, port: number): Promise<LookupAddress[]> {
    const host = normalizeHost(rawHost.replace(/^\[(.*)\]$/, '$1'));
    checkHost(host, port);
    if (isIP(host)) return [{ address: host, family: isIP(host) }];
    const addrs = await resolver(host);
    if (!allowsHost(allow, host, port)) for (const a of addrs) checkAddress(host, a.address, port);
    return addrs;
  }

  return {
    allow,
    checkHost,
    resolve,
    lookupFor(port) {
      return (hostname, options, callback) => {
        resolve(hostname, port).then(
          (all) => {
            const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
            const fit = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
            if (!fit.length) {
              return callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }), '');
            }
            if (options.all) callback(null, fit);
            else callback(null, fit[0]!.address, fit[0]!.family);
          },
          (err: NodeJS.ErrnoException) => callback(err, ''),
        );
      };
    },
  };
}

/** The guard the environment configures, for callers not handed one (nothing private allowed by default). */
export function guardFromEnv(env: NodeJS.ProcessEnv = process.env): OutboundGuard {
  return createOutboundGuard({ allow: env[ALLOW_ENV] ?? '' });
}

export function isOutboundRefused(err: unknown): err is OutboundRefused {
  return err instanceof OutboundRefused || (err as { code?: string } | null)?.code === 'OUTBOUND_REFUSED';
}
