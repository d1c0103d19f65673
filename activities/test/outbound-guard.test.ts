/**
 * The outbound guard: which destinations a webhook or channel request may reach. Generated
 * addresses in every refused range, in every spelling a URL or a resolver can give them, are
 * refused; generated public ones are admitted; the allowlist admits exactly what it names.
 * The socket-level tests use real local receivers and a resolver the test controls.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  createOutboundGuard,
  guardFromEnv,
  isOutboundRefused,
  OutboundRefused,
  outboundRequest,
  parseAllowlist,
  type Resolver,
} from '../src/outbound/index.ts';
import { sendWeCom } from '../src/channels/index.ts';

// ---- generated addresses -------------------------------------------------------------------

const octet = fc.integer({ min: 0, max: 255 });
type V4 = [number, number, number, number];

/** A random member of a.b.c.d/len, written independently of the guard's tables. */
function v4In(base: V4, len: number): fc.Arbitrary<V4> {
  const start = ((base[0] << 24) | (base[1] << 16) | (base[2] << 8) | base[3]) >>> 0;
  const size = 2 ** (32 - len);
  return fc.integer({ min: 0, max: size - 1 }).map((i) => {
    const n = (start + i) >>> 0;
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255] as V4;
  });
}

const PRIVATE_V4: [V4, number][] = [
  [[127, 0, 0, 0], 8],
  [[10, 0, 0, 0], 8],
  [[172, 16, 0, 0], 12],
  [[192, 168, 0, 0], 16],
  [[100, 64, 0, 0], 10],
  [[169, 254, 0, 0], 16],
  [[0, 0, 0, 0], 8],
  [[224, 0, 0, 0], 4],
  [[240, 0, 0, 0], 4],
  [[192, 0, 0, 0], 24],
  [[192, 0, 2, 0], 24],
  [[198, 18, 0, 0], 15],
  [[198, 51, 100, 0], 24],
  [[203, 0, 113, 0], 24],
];
const privateV4 = fc.oneof(
  ...PRIVATE_V4.map(([b, l]) => v4In(b, l)),
  fc.constant<V4>([169, 254, 169, 254]),
  fc.constant<V4>([255, 255, 255, 255]),
);

/** First octets with no special-use block anywhere in them. */
const PUBLIC_FIRST = [
  1, 2, 3, 4, 5, 8, 9, 11, 12, 13, 17, 20, 23, 31, 34, 35, 40, 45, 52, 60, 80, 91, 101, 104, 110, 120, 140, 150, 185, 200, 210, 220, 223,
];
const publicV4 = fc.tuple(fc.constantFrom(...PUBLIC_FIRST), octet, octet, octet) as fc.Arbitrary<V4>;

const hextet = fc.integer({ min: 0, max: 0xffff });
const hex = (n: number) => n.toString(16);
const dotted = (a: V4) => a.join('.');

/** IPv6 text for the given 16-bit groups, fully written or with the longest zero run as `::`. */
function v6Text(groups: number[], compress: boolean, upper: boolean): string {
  let text = groups.map(hex).join(':');
  if (compress) {
    let best = [-1, 0];
    for (let i = 0; i < 8;) {
      let j = i;
      while (j < 8 && groups[j] === 0) j++;
      if (j - i > best[1]!) best = [i, j - i];
      i = j === i ? i + 1 : j;
    }
    if (best[1]! >= 2)
      text = `${groups.slice(0, best[0]).map(hex).join(':')}::${groups
        .slice(best[0]! + best[1]!)
        .map(hex)
        .join(':')}`;
  }
  return upper ? text.toUpperCase() : text;
}

const groupsWith = (prefix: number[], mask: number[]) =>
  fc
    .array(hextet, { minLength: 8, maxLength: 8 })
    .map((g) => g.map((x, i) => (i < prefix.length ? (prefix[i]! & mask[i]!) | (x & ~mask[i]! & 0xffff) : x)));

const privateV6Groups: fc.Arbitrary<number[]> = fc.oneof(
  fc.constant<number[]>([0, 0, 0, 0, 0, 0, 0, 1]), // loopback
  fc.constant<number[]>([0, 0, 0, 0, 0, 0, 0, 0]), // unspecified
  groupsWith([0xfc00], [0xfe00]), // ULA fc00::/7
  groupsWith([0xfe80], [0xffc0]), // link-local fe80::/10
  groupsWith([0xff00], [0xff00]), // multicast
  groupsWith([0xfec0], [0xffc0]), // site-local
  fc.constant<number[]>([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254]), // AWS metadata over IPv6
  groupsWith([0x2001, 0x0db8], [0xffff, 0xffff]), // documentation
  groupsWith([0x0100, 0, 0, 0], [0xffff, 0xffff, 0xffff, 0xffff]), // discard
  groupsWith([0x4000], [0xc000]), // outside 2000::/3
);
/** IPv6 forms that carry a private IPv4 address: mapped, SIIT, compatible, NAT64, 6to4. */
const embedding = (a: V4): number[][] => {
  const hi = (a[0] << 8) | a[1];
  const lo = (a[2] << 8) | a[3];
  return [
    [0, 0, 0, 0, 0, 0xffff, hi, lo],
    [0, 0, 0, 0, 0xffff, 0, hi, lo],
    [0, 0, 0, 0, 0, 0, hi, lo],
    [0x64, 0xff9b, 0, 0, 0, 0, hi, lo],
    [0x2002, hi, lo, 0, 0, 0, 0, 1],
  ];
};
const privateEmbedded = fc
  .tuple(privateV4, fc.integer({ min: 0, max: 4 }))
  .filter(([a]) => !a.every((x) => x === 0))
  .map(([a, i]) => embedding(a)[i]!);
const publicV6Groups = fc.oneof(groupsWith([0x2400], [0xff00]), groupsWith([0x2a00], [0xff00]), groupsWith([0x2600], [0xff00]));

/** Every way a URL can write an IPv4 address; WHATWG URL parsing turns each into the dotted quad. */
function v4Spellings(a: V4): string[] {
  const n = ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0;
  const mapped = `::ffff:${dotted(a)}`;
  return [
    dotted(a),
    `${dotted(a)}.`, // trailing dot
    String(n), // decimal
    `0x${n.toString(16)}`, // hex, whole
    `0X${n.toString(16).toUpperCase()}`,
    a.map((x) => `0${x.toString(8)}`).join('.'), // octal per octet
    a.map((x) => `0x${x.toString(16)}`).join('.'), // hex per octet
    `${a[0]}.${(a[1] << 16) | (a[2] << 8) | a[3]}`, // short: a.bcd (127.1)
    `${a[0]}.${a[1]}.${(a[2] << 8) | a[3]}`, // short: a.b.cd
    `[${mapped}]`,
    `[${mapped.toUpperCase()}]`,
    // full-width digits, ideographic dots
    [...dotted(a)].map((c) => (c === '.' ? '。' : String.fromCharCode(c.charCodeAt(0) + 0xfee0))).join(''),
  ];
}

const urlAround = (host: string) =>
  fc
    .record({
      scheme: fc.constantFrom('http', 'https', 'HTTP', 'HtTpS'),
      userinfo: fc.constantFrom('', 'example.com@', 'user:pass@', 'hooks.slack.com%40evil@'),
      port: fc.constantFrom('', ':80', ':8080', ':443', ':1'),
      path: fc.constantFrom('/', '/hook?key=1', '/a/../b', '#frag', ''),
    })
    .map((u) => `${u.scheme}://${u.userinfo}${host}${u.port}${u.path}`);

/** The guard's verdict on a URL without any network: refused, admitted, or not a URL at all. */
async function verdict(guard: ReturnType<typeof createOutboundGuard>, raw: string): Promise<'refused' | 'admitted' | 'invalid'> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'invalid';
  }
  try {
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    await guard.resolve(url.hostname, port);
    return 'admitted';
  } catch (err) {
    if (isOutboundRefused(err)) return 'refused';
    throw err;
  }
}

const noDns: Resolver = async (host) => {
  throw new Error(`the resolver was asked about ${host}: literals must be decided without DNS`);
};

describe('the address policy', () => {
  const strict = createOutboundGuard({ resolver: noDns });

  it('refuses every private IPv4 address in every URL spelling', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(privateV4, fc.nat()).chain(([a, which]) => urlAround(v4Spellings(a)[which % 12]!)),
        async (url) => {
          expect(await verdict(strict, url)).toBe('refused');
          // The request itself stops before any socket: nothing listens, nothing is needed.
          const err = await outboundRequest(strict, url, { method: 'POST', headers: {}, body: '{}' }).catch((e: unknown) => e);
          expect(isOutboundRefused(err), String(err)).toBe(true);
        },
      ),
      { numRuns: 800 },
    );
  });

  it('refuses private IPv6 addresses, and IPv6 forms carrying a private IPv4 address', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(privateV6Groups, privateEmbedded),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('', '%25eth0', '%251'),
        async (g, compress, upper, zone) => {
          const host = `[${v6Text(g, compress, upper)}${zone}]`;
          const url = `http://${host}:8080/hook`;
          // A zone id is not valid in a URL: the parser refuses it before the guard is asked.
          expect(await verdict(strict, url)).toBe(zone ? 'invalid' : 'refused');
          if (!zone)
            expect(isOutboundRefused(await outboundRequest(strict, url, { method: 'GET', headers: {} }).catch((e: unknown) => e))).toBe(
              true,
            );
        },
      ),
      { numRuns: 600 },
    );
  });

  it('admits public IPv4 and IPv6 addresses, however written', async () => {
    await fc.assert(
      fc.asyncProperty(publicV4, fc.nat(), async (a, which) => {
        const spellings = v4Spellings(a);
        expect(await verdict(strict, `https://${spellings[which % spellings.length]}/hook`)).toBe('admitted');
      }),
      { numRuns: 400 },
    );
    await fc.assert(
      fc.asyncProperty(publicV6Groups, fc.boolean(), fc.boolean(), async (g, compress, upper) => {
        expect(await verdict(strict, `https://[${v6Text(g, compress, upper)}]/hook`)).toBe('admitted');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses names for the machine itself and for metadata services, in any case, with a trailing dot or as IDN', async () => {
    const names = [
      'localhost',
      'LOCALHOST',
      'localhost.',
      'api.localhost',
      'metadata.google.internal',
      'METADATA.GOOGLE.INTERNAL.',
      'ⓛocalhost',
      'ｌｏｃａｌｈｏｓｔ',
    ];
    for (const n of names) expect(await verdict(strict, `http://${n}/x`), n).toBe('refused');
  });

  it('decides a host name by what it resolves to: any refused address refuses it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.domain(),
        fc.array(publicV4.map(dotted), { maxLength: 3 }),
        fc.oneof(
          privateV4.map(dotted),
          fc.oneof(privateV6Groups, privateEmbedded).map((g) => v6Text(g, true, false)),
        ),
        fc.nat(),
        async (host, publics, bad, at) => {
          const answer = [...publics];
          answer.splice(at % (publics.length + 1), 0, bad);
          const guard = createOutboundGuard({
            resolver: async () => answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
          });
          const v = await verdict(guard, `https://${host}/hook`);
          // fc.domain() can produce names the guard refuses on their own (a "localhost" label): refused either way.
          expect(v).toBe('refused');
        },
      ),
      { numRuns: 400 },
    );
    const publicOnly = createOutboundGuard({
      resolver: async () => [
        { address: '93.184.215.14', family: 4 },
        { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
      ],
    });
    expect(await verdict(publicOnly, 'https://example.com/')).toBe('admitted');
  });

  it('names the address and the reason, and how to allow it', async () => {
    const err = await strict.resolve('127.0.0.1', 80).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutboundRefused);
    expect((err as Error).message).toBe('Refused: 127.0.0.1 is a loopback address; allow it with FLIGHTDECK_OUTBOUND_ALLOW');
    const meta = await strict.resolve('[::ffff:169.254.169.254]', 80).catch((e: unknown) => e);
    expect((meta as Error).message).toMatch(/169\.254\.169\.254\) is a metadata address/);
  });
});

describe('the allowlist', () => {
  it('admits exactly the addresses, ranges, ports and names it lists', async () => {
    await fc.assert(
      fc.asyncProperty(privateV4, fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 }), async (a, port, other) => {
        const exact = createOutboundGuard({ allow: `${dotted(a)}:${port}`, resolver: noDns });
        expect(await verdict(exact, `http://${dotted(a)}:${port}/`)).toBe('admitted');
        if (other !== port) expect(await verdict(exact, `http://${dotted(a)}:${other}/`)).toBe('refused');
        const range = createOutboundGuard({ allow: `${a[0]}.0.0.0/8`, resolver: noDns });
        expect(await verdict(range, `http://[::ffff:${dotted(a)}]:${port}/`)).toBe('admitted');
        expect(await verdict(range, `http://${a[0] === 127 ? 10 : 127}.0.0.1/`)).toBe('refused');
      }),
      { numRuns: 300 },
    );
    const named = createOutboundGuard({
      allow: 'hooks.internal, *.corp.example:8443',
      resolver: async () => [{ address: '10.1.2.3', family: 4 }],
    });
    expect(await verdict(named, 'http://HOOKS.internal./x')).toBe('admitted');
    expect(await verdict(named, 'https://a.b.corp.example:8443/x')).toBe('admitted');
    expect(await verdict(named, 'https://a.b.corp.example/x')).toBe('refused');
    expect(await verdict(named, 'https://corp.example:8443/x')).toBe('refused');
    expect(await verdict(named, 'http://other.internal/x')).toBe('refused');
  });

  it('comes from FLIGHTDECK_OUTBOUND_ALLOW for callers handed no guard, and is empty without it', async () => {
    expect(await verdict(guardFromEnv({ FLIGHTDECK_OUTBOUND_ALLOW: ' 127.0.0.1:4101 , 10.0.0.0/8' }), 'http://127.0.0.1:4101/')).toBe(
      'admitted',
    );
    expect(await verdict(guardFromEnv({ FLIGHTDECK_OUTBOUND_ALLOW: '127.0.0.1:4101' }), 'http://127.0.0.1:4102/')).toBe('refused');
    expect(await verdict(guardFromEnv({}), 'http://127.0.0.1:4101/')).toBe('refused');
  });

  it('rejects entries that are not addresses, ranges or names, so a typo cannot go unnoticed', () => {
    for (const bad of ['10.0.0.0/33', '127.0.0.1:0', '127.0.0.1:70000', 'http://x', 'a b', '[::1', '::1/129']) {
      expect(() => parseAllowlist(bad), bad).toThrow();
    }
    expect(parseAllowlist('127.0.0.1, ::1, [::1]:8080, fc00::/7, 10.0.0.0/8:443, localhost').map((e) => e.kind)).toEqual([
      'range',
      'range',
      'range',
      'range',
      'range',
      'host',
    ]);
  });
});

// ---- real sockets ----------------------------------------------------------------------------

interface Rx {
  port: number;
  hits: number;
  close(): Promise<void>;
}
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function receiver(
  answer: (res: import('node:http').ServerResponse) => void = (res) => res.end('{"errcode":0,"errmsg":"ok"}'),
): Promise<Rx> {
  const rx = { port: 0, hits: 0, close: async () => undefined };
  const server = createServer((req, res) => {
    rx.hits++;
    req.resume();
    req.on('end', () => answer(res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  rx.port = (server.address() as AddressInfo).port;
  return rx;
}

const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' };

describe('the connect-time check', () => {
  it("connects to the address it checked: a made-up name reaches the receiver only through the guard's lookup", async () => {
    const rx = await receiver();
    const guard = createOutboundGuard({ allow: `127.0.0.1:${rx.port}`, resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
    const ans = await outboundRequest(guard, `http://robot.invalid:${rx.port}/send`, post);
    expect(ans.status).toBe(200);
    expect(rx.hits).toBe(1);
  });

  it('refuses a name that resolves to loopback, and nothing reaches the receiver', async () => {
    const rx = await receiver();
    const guard = createOutboundGuard({ resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
    await expect(outboundRequest(guard, `http://robot.invalid:${rx.port}/send`, post)).rejects.toThrow(
      /Refused: robot\.invalid \(127\.0\.0\.1\) is a loopback address/,
    );
    expect(rx.hits).toBe(0);
  });

  it('DNS rebinding fails: a name checked while public is checked again when the socket connects', async () => {
    const rx = await receiver();
    const answers = ['93.184.215.14', '127.0.0.1'];
    let asked = 0;
    const guard = createOutboundGuard({ resolver: async () => [{ address: answers[Math.min(asked++, 1)]!, family: 4 }] });
    // The early check (as at publish time, or any check before the request) sees a public address…
    expect(await guard.resolve('rebind.invalid', rx.port)).toEqual([{ address: '93.184.215.14', family: 4 }]);
    // …and the connect, asking again, gets loopback and is refused.
    const err = await outboundRequest(guard, `http://rebind.invalid:${rx.port}/`, post).catch((e: unknown) => e);
    expect(isOutboundRefused(err)).toBe(true);
    expect(asked).toBe(2);
    expect(rx.hits).toBe(0);
  });

  it('does not follow redirects: a public receiver redirecting to loopback gets a 3xx back, and loopback gets nothing', async () => {
    const inner = await receiver();
    const outer = await receiver((res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${inner.port}/admin` });
      res.end();
    });
    // Only the first hop is allowed, as a public host would be.
    const guard = createOutboundGuard({ allow: `127.0.0.1:${outer.port}` });
    const ans = await outboundRequest(guard, `http://127.0.0.1:${outer.port}/hook`, post);
    expect(ans.status).toBe(307);
    const err = await sendWeCom(
      { kind: 'wecom', webhookUrl: `http://127.0.0.1:${outer.port}/cgi-bin/webhook/send?key=k` },
      { text: 'x' },
      { idempotencyKey: 'k', outbound: guard },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: false, status: 307 });
    expect(outer.hits).toBe(2);
    expect(inner.hits).toBe(0);
  });

  it('a channel send to loopback without an allowlist is a non-retryable refusal, and nothing is sent', async () => {
    const rx = await receiver();
    for (const outbound of [undefined, createOutboundGuard()]) {
      const err = await sendWeCom(
        { kind: 'wecom', webhookUrl: `http://127.0.0.1:${rx.port}/cgi-bin/webhook/send?key=k` },
        { text: 'x' },
        { idempotencyKey: 'k', ...(outbound ? { outbound } : {}) },
      ).catch((e: unknown) => e);
      expect(err).toMatchObject({
        retryable: false,
        providerCode: 'refused',
        providerMessage: 'Refused: 127.0.0.1 is a loopback address; allow it with FLIGHTDECK_OUTBOUND_ALLOW',
      });
    }
    expect(rx.hits).toBe(0);
  });
});
