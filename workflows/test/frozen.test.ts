import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { canonicalJson, contentHash, FROZEN_FORMAT, sha256Hex, thawFlow } from '../src/frozen.ts';
import { freezeFlow } from '../src/freeze.ts';
import { delay, edge, flow, trigger, webhook } from './helpers.ts';

describe('frozen versions', () => {
  it('sha-256 matches node:crypto for any text, Chinese, emoji and lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        expect(sha256Hex(s)).toBe(createHash('sha256').update(s).digest('hex'));
      }),
    );
  });

  it('the canonical form does not depend on key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(JSON.parse(canonicalJson(obj))).toEqual(JSON.parse(JSON.stringify(obj)));
      }),
    );
  });

  it('freezing fills every default in, and thawing gives back exactly that graph', () => {
    const frozen = freezeFlow(flow([trigger(), webhook('w'), delay('d', '1h')], [edge('t', 'w'), edge('w', 'd', 'sent')]));
    if (!frozen.ok) throw new Error('expected a valid flow');
    expect(frozen.frozen.format).toBe(FROZEN_FORMAT);
    const w = frozen.frozen.graph.nodes.find((n) => n.id === 'w')!;
    // The webhook's defaults (method, timeout, retry) are in the stored graph, not left to the worker.
    expect(w.config).toMatchObject({ method: 'POST', retry: expect.any(Object) });
    // jsonb hands keys back in another order; the hash is over the canonical form.
    const reordered = JSON.parse(JSON.stringify(frozen.frozen.graph, Object.keys(frozen.frozen.graph).reverse()));
    expect(
      thawFlow({ ...frozen.frozen, graph: { ...reordered, nodes: frozen.frozen.graph.nodes, edges: frozen.frozen.graph.edges } }),
    ).toEqual(frozen.frozen.graph);
  });

  it('a changed graph, a wrong hash or an unknown format is refused, whatever was changed', () => {
    const frozen = freezeFlow(flow([trigger(), webhook('w')], [edge('t', 'w')]));
    if (!frozen.ok) throw new Error('expected a valid flow');
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), (url) => {
        const graph = structuredClone(frozen.frozen.graph);
        graph.nodes[1]!.config = { ...graph.nodes[1]!.config, url: `https://${url}.example` };
        if (contentHash(graph) === frozen.frozen.hash) return;
        expect(() => thawFlow({ ...frozen.frozen, graph })).toThrow(/content hash/);
      }),
    );
    expect(() => thawFlow({ ...frozen.frozen, format: 2 })).toThrow(/format 2/);
    expect(() => thawFlow({ format: FROZEN_FORMAT, hash: frozen.frozen.hash, graph: null })).toThrow(/no nodes/);
  });
});
