import ipaddr from 'ipaddr.js';

/**
 * Which addresses an outbound call may reach without the operator saying so: only globally
 * routable unicast. Everything else names the reason it is refused. The tables are written out
 * here rather than taken from a library's range names so the policy can be read in one place.
 */
export type RefusedCategory =
  'loopback' | 'private' | 'carrier-grade NAT' | 'link-local' | 'metadata' | 'unspecified' | 'multicast' | 'broadcast' | 'reserved';

type Table = [cidr: string, category: RefusedCategory][];

// Cloud metadata endpoints: inside ranges refused anyway, named so the reason says what they are.
const METADATA: Table = [
  ['169.254.169.254/32', 'metadata'], // AWS, GCP, Azure, OpenStack
  ['169.254.170.2/32', 'metadata'], // AWS ECS task credentials
  ['100.100.100.200/32', 'metadata'], // Alibaba Cloud
  ['fd00:ec2::254/128', 'metadata'], // AWS over IPv6
];

const IPV4: Table = [
  ['0.0.0.0/32', 'unspecified'],
  ['0.0.0.0/8', 'reserved'], // "this network"
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'], // IETF protocol assignments
  ['192.0.2.0/24', 'reserved'], // documentation
  ['192.88.99.0/24', 'reserved'], // 6to4 relay anycast
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'], // benchmarking
  ['198.51.100.0/24', 'reserved'], // documentation
  ['203.0.113.0/24', 'reserved'], // documentation
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
];

const IPV6: Table = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'private'], // local-use NAT64 (RFC 8215): a translator inside this network
  ['100::/64', 'reserved'], // discard-only
  ['2001::/32', 'reserved'], // Teredo: the client's IPv4 address is hidden, so it cannot be checked
  ['2001:2::/48', 'reserved'], // benchmarking
  ['2001:10::/28', 'reserved'], // ORCHID
  ['2001:20::/28', 'reserved'], // ORCHIDv2
  ['2001:db8::/32', 'reserved'], // documentation
  ['3fff::/20', 'reserved'], // documentation
  ['fc00::/7', 'private'], // unique local
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'], // site-local (deprecated)
  ['ff00::/8', 'multicast'],
];

const parsed = (t: Table) => t.map(([cidr, category]) => ({ range: ipaddr.parseCIDR(cidr), category }));
const METADATA_RANGES = parsed(METADATA);
const V4_RANGES = parsed(IPV4);
const V6_RANGES = parsed(IPV6);
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

export type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Parses an IP address the way a socket would use it: strict dotted quad or IPv6 text (a zone id
 * is dropped: it picks an interface, not another address). Anything else is not an address.
 * Oddly written IPv4 (`2130706433`, `0177.0.0.1`, `127.1`, hex) never reaches here as such: the
 * URL parser rewrites it to the dotted quad, and a resolver never answers with it.
 */
export function parseAddress(text: string): Address | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const noZone = bare.includes(':') ? bare.replace(/%.*$/, '') : bare;
  if (ipaddr.IPv4.isValidFourPartDecimal(noZone)) return ipaddr.IPv4.parse(noZone);
  if (ipaddr.IPv6.isValid(noZone)) return ipaddr.IPv6.parse(noZone);
  return undefined;
}

function lookup(addr: Address, table: { range: [Address, number]; category: RefusedCategory }[]): RefusedCategory | undefined {
  for (const { range, category } of table) {
    if (addr.kind() === range[0].kind() && addr.match(range)) return category;
  }
  return undefined;
}

/** The IPv4 address an IPv6 address carries, where it carries one that decides where packets go. */
export function embeddedIPv4(addr: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = addr.parts;
  const low = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const zeros = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && p[5] === 0xffff) return low(p[6]!, p[7]!); // ::ffff:a.b.c.d (mapped)
  if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) return low(p[6]!, p[7]!); // ::ffff:0:a.b.c.d (SIIT)
  if (zeros(0, 6)) return low(p[6]!, p[7]!); // ::a.b.c.d (compatible); :: and ::1 are caught before
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) return low(p[6]!, p[7]!); // NAT64 well-known prefix
  if (p[0] === 0x2002) return low(p[1]!, p[2]!); // 6to4
  return undefined;
}

/** Why this address is refused by default, or undefined when it is publicly routable. */
export function refusedCategory(addr: Address): RefusedCategory | undefined {
  const named = lookup(addr, METADATA_RANGES);
  if (named) return named;
  if (addr.kind() === 'ipv4') return lookup(addr, V4_RANGES);
  const v6 = addr as ipaddr.IPv6;
  const fixed = lookup(v6, V6_RANGES);
  if (fixed) return fixed;
  const inner = embeddedIPv4(v6);
  if (inner) return refusedCategory(inner);
  return v6.match(GLOBAL_UNICAST_V6) ? undefined : 'reserved';
}

/** The address a refusal is about: the IPv4 address inside an IPv6 form that carries one. */
export function decidingAddress(addr: Address): Address {
  if (addr.kind() === 'ipv4' || lookup(addr, METADATA_RANGES) || lookup(addr, V6_RANGES)) return addr;
  return embeddedIPv4(addr as ipaddr.IPv6) ?? addr;
}
