import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';

type Client = Awaited<ReturnType<TestStack['user']>>['api'];

/** History, diff, rollback and safe draft saves, against the real API and PostgreSQL. */
describe('flow versions', () => {
  let stack: TestStack;
  let ada: Client;
  let bob: Client;
  let reader: Client;
  beforeAll(async () => {
    stack = await startStack('versions', { worker: false });
    ada = (await stack.user('Ada Designer', [{ role: 'designer', department: null }])).api;
    bob = (await stack.user('Bob Designer', [{ role: 'designer', department: null }])).api;
    reader = (await stack.user('Vera Viewer', [{ role: 'viewer', department: null }])).api;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const v1 = () =>
    flow(
      [node('start', 'trigger.manual'), node('wait', 'control.delay', { duration: '1h' }), node('done', 'control.end')],
      [edge('start', 'next', 'wait'), edge('wait', 'next', 'done')],
    );
  const v2 = () =>
    flow(
      [node('start', 'trigger.manual'), node('wait', 'control.delay', { duration: '2h' }), node('end2', 'control.end')],
      [edge('start', 'next', 'wait'), edge('wait', 'next', 'end2')],
    );

  async function twoVersions() {
    const created = await ada.post('/api/flows', { name: 'Versioned', graph: v1() });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await ada.post(`/api/flows/${id}/versions`, { note: 'first cut' })).status).toBe(201);
    expect((await bob.put(`/api/flows/${id}`, { graph: v2() })).status).toBe(200);
    expect((await bob.post(`/api/flows/${id}/versions`, { note: 'longer wait' })).status).toBe(201);
    return id;
  }

  it('lists every version with who published it, when, and the note; readers see it too', async () => {
    const id = await twoVersions();
    const list = await reader.get(`/api/flows/${id}/versions`);
    expect(list.status).toBe(200);
    expect(
      list.body.items.map((v: { version: number; note: string; createdBy: { name: string } }) => [v.version, v.note, v.createdBy.name]),
    ).toEqual([
      [2, 'longer wait', 'Bob Designer'],
      [1, 'first cut', 'Ada Designer'],
    ]);
    expect(Date.parse(list.body.items[0].createdAt)).toBeGreaterThanOrEqual(Date.parse(list.body.items[1].createdAt));
  });

  it('diffs two versions: the added, removed and changed nodes, the changed field with both values, the edges', async () => {
    const id = await twoVersions();
    const r = await reader.get(`/api/flows/${id}/versions/1/diff/2`);
    expect(r.status).toBe(200);
    expect(r.body.from.version).toBe(1);
    expect(r.body.to.graph.nodes.map((n: { id: string }) => n.id)).toEqual(['start', 'wait', 'end2']);
    const { nodes, edges } = r.body.diff;
    expect(nodes.added).toEqual(['end2']);
    expect(nodes.removed).toEqual(['done']);
    expect(nodes.changed).toEqual([{ id: 'wait', fields: [{ path: 'config.duration', before: '1h', after: '2h' }] }]);
    expect(edges.added.map((e: { target: string }) => e.target)).toEqual(['end2']);
    expect(edges.removed.map((e: { target: string }) => e.target)).toEqual(['done']);
    const missing = await reader.get(`/api/flows/${id}/versions/1/diff/9`);
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0].path).toBe('b');
    expect((await reader.get(`/api/flows/${id}/versions/0/diff/x`)).status).toBe(400);
  });

  it('rolls back: publishes the old graph as a new version, noted, and makes it the draft', async () => {
    const id = await twoVersions();
    const r = await ada.post(`/api/flows/${id}/versions/1/rollback`);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ version: 3, note: 'Rolled back to v1', createdBy: { name: 'Ada Designer' } });
    const same = await ada.get(`/api/flows/${id}/versions/1/diff/3`);
    expect(same.body.to.graph).toEqual(same.body.from.graph);
    const draft = await ada.get(`/api/flows/${id}`);
    expect(draft.body.graph).toEqual(same.body.from.graph);
    expect(draft.body.latestVersion).toBe(3);
    expect((await reader.post(`/api/flows/${id}/versions/1/rollback`)).status).toBe(403);
    expect((await ada.post(`/api/flows/${id}/versions/7/rollback`)).status).toBe(404);
  });

  it("refuses to roll back to a graph today's rules refuse, naming the field", async () => {
    const id = await twoVersions();
    const old = v1();
    old.nodes[1]!.config = { duration: 'forever' };
    // A version from before a rule tightened: written as it was stored then.
    await stack.server.db.pool.query(`insert into flow_versions (flow_id, version, graph, note) values ($1, 3, $2, 'old')`, [id, old]);
    const r = await ada.post(`/api/flows/${id}/versions/3/rollback`);
    expect(r.status).toBe(422);
    expect(r.contentType).toContain('application/problem+json');
    expect(
      r.body.errors.some(
        (e: { path: string; nodeId?: string }) => e.path.startsWith('graph.nodes.1.config.duration') || e.nodeId === 'wait',
      ),
    ).toBe(true);
    expect((await ada.get(`/api/flows/${id}/versions`)).body.items).toHaveLength(3);
  });

  it('saves with If-Match: a current ETag goes through, a stale one gets 409 with the revision, none is last-write-wins', async () => {
    const created = await ada.post('/api/flows', { name: 'Shared draft', graph: v1() });
    const id = created.body.id as string;
    const got = await ada.get(`/api/flows/${id}`);
    const tag = got.headers.get('etag')!;
    expect(tag).toBe(`"${got.body.revision}"`);
    const mine = await ada.call('PUT', `/api/flows/${id}`, { graph: v2() }, undefined, { 'if-match': tag });
    expect(mine.status).toBe(200);
    const newTag = mine.headers.get('etag')!;
    expect(newTag).not.toBe(tag);
    const stale = await bob.call('PUT', `/api/flows/${id}`, { name: 'Bob was here' }, undefined, { 'if-match': tag });
    expect(stale.status).toBe(409);
    expect(stale.contentType).toContain('application/problem+json');
    expect(stale.body.currentRevision).toBe(mine.body.revision);
    expect(stale.body.errors[0].path).toBe('if-match');
    expect((await ada.get(`/api/flows/${id}`)).body.name).toBe('Shared draft');
    expect((await bob.call('PUT', `/api/flows/${id}`, { name: 'Bob' }, undefined, { 'if-match': newTag })).status).toBe(200);
    expect((await bob.put(`/api/flows/${id}`, { name: 'Bob again' })).status).toBe(200);
    const bad = await bob.call('PUT', `/api/flows/${id}`, { name: 'x' }, undefined, { 'if-match': 'nonsense' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('if-match');
  });

  it('property: hostile version numbers, If-Match values and rollback paths never get a 5xx', async () => {
    const id = await twoVersions();
    const segment = fc.oneof(
      fc.integer({ min: -5, max: 5 }).map(String),
      fc.constantFrom('1e3', '1.5', '99999999999999999999', 'NaN', '%00', '..', 'draft', '0x1', ' 1', '-0'),
      fc.string({ maxLength: 8 }).map(encodeURIComponent),
    );
    const ifMatch = fc.oneof(
      fc.constantFrom('*', '"1"', 'W/"1"', '""', '"-1"', '"99999999999"', '"1", "2"', ''),
      fc.string({ maxLength: 20 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
    );
    await fc.assert(
      fc.asyncProperty(segment, segment, ifMatch, async (a, b, m) => {
        const diff = await reader.get(`/api/flows/${id}/versions/${a}/diff/${b}`);
        expect(diff.status, `diff ${a} ${b}`).toBeLessThan(500);
        const back = await ada.post(`/api/flows/${id}/versions/${a}/rollback`);
        expect(back.status, `rollback ${a}`).toBeLessThan(500);
        const put = await ada.call('PUT', `/api/flows/${id}`, { description: 'd' }, undefined, { 'if-match': m });
        expect(put.status, `if-match ${m}`).toBeLessThan(500);
        if (put.status >= 400) expect(put.contentType).toContain('application/problem+json');
      }),
      { numRuns: 40 },
    );
  });
});
