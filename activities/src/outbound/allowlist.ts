import ipaddr from 'ipaddr.js';
import { parseAddress, type Address } from './address.ts';

/**
 * The operator's exceptions (`FLIGHTDECK_OUTBOUND_ALLOW`): comma-separated CIDRs, addresses or
 * host names, each optionally with a port. `127.0.0.1:4010`, `10.0.0.0/8`, `[::1]:8080`,
 * `hooks.internal`, `*.corp.example` (any subdomain). A name admits whatever it resolves to:
 * naming it is trusting it.
 */
export type AllowEntry =
  | { kind: 'range'; range: [Address, number]; port?: number; text: string }
  | { kind: 'host'; host: string; wildcard: boolean; port?: number; text: string };

export class AllowlistError extends Error {}

const HOST = /^(\*\.)?([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

function port(text: string, whole: string): number {
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n < 1 || n > 65535) throw new AllowlistError(`"${whole}" has an invalid port`);
  return n;
}

function entry(raw: string): AllowEntry {
  const text = raw.trim();
  let rest = text;
  let p: number | undefined;
  // [v6]:port, [v6], [v6]/len
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracket) {
    rest = bracket[1]!;
    if (bracket[2] !== undefined) p = port(bracket[2], text);
  } else if (!rest.includes(':') || /^[^:]+:\d+$/.test(rest)) {
    // host:port or v4:port or v4/len:port (IPv6 without brackets has more than one colon)
    const at = rest.lastIndexOf(':');
    if (at > 0) {
      p = port(rest.slice(at + 1), text);
      rest = rest.slice(0, at);
    }
  }
  if (rest.includes('/')) {
    const [addrText, len] = rest.split('/');
    const addr = parseAddress(addrText!);
    const bits = Number(len);
    const max = addr?.kind() === 'ipv4' ? 32 : 128;
    if (!addr || !/^\d{1,3}$/.test(len ?? '') || bits > max) throw new AllowlistError(`"${text}" is not a valid CIDR range`);
    return { kind: 'range', range: [addr, bits], ...(p ? { port: p } : {}), text };
  }
  const addr = parseAddress(rest);
  if (addr) return { kind: 'range', range: [addr, addr.kind() === 'ipv4' ? 32 : 128], ...(p ? { port: p } : {}), text };
  const host = normalizeHost(rest);
  if (!HOST.test(host)) throw new AllowlistError(`"${text}" is not an address, CIDR range or host name`);
  const wildcard = host.startsWith('*.');
  return { kind: 'host', host: wildcard ? host.slice(2) : host, wildcard, ...(p ? { port: p } : {}), text };
}

/** Host names compare lower-case and without the root's trailing dot. */
export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

export function parseAllowlist(raw: string | readonly string[] | undefined): AllowEntry[] {
  const items = typeof raw === 'string' ? raw.split(',') : (raw ?? []);
  return items
    .map((s) => s.trim())
    .filter(Boolean)
    .map(entry);
}

function portMatches(e: AllowEntry, p: number): boolean {
  return e.port === undefined || e.port === p;
}

export function allowsAddress(list: readonly AllowEntry[], addr: Address, p: number): boolean {
  // An IPv4-mapped IPv6 address is the IPv4 address as far as the operator's list is concerned.
  const plain = addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
  return list.some((e) => e.kind === 'range' && portMatches(e, p) && plain.kind() === e.range[0].kind() && plain.match(e.range));
}

export function allowsHost(list: readonly AllowEntry[], host: string, p: number): boolean {
  const h = normalizeHost(host);
  return list.some((e) => e.kind === 'host' && portMatches(e, p) && (e.wildcard ? h.endsWith(`.${e.host}`) : h === e.host));
}
