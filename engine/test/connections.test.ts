import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startStack, type TestStack } from './support/stack.ts';

/** Channel connections: per department, secrets sealed with AES-256-GCM, never returned, never in a dump. */
describe('channel connections', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack('connections', { worker: false });
  });
  afterAll(async () => stack?.close());

  const SECRET_URL = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=PLAINTEXT-ROBOT-KEY-4f1c';
  const SIGNING = 'SECdingtalk-PLAINTEXT-signing-secret-77';

  it('stores secrets sealed: the API never returns them and a full dump of the database holds no plaintext', async () => {
    const wecom = await stack.api.post('/api/connections', { kind: 'wecom', name: 'Ops group robot', secrets: { url: SECRET_URL } });
    expect(wecom.status, JSON.stringify(wecom.body)).toBe(201);
    expect(wecom.body).toMatchObject({ kind: 'wecom', name: 'Ops group robot', secretFields: ['url'] });
    const ding = await stack.api.post('/api/connections', {
      kind: 'dingtalk',
      name: 'DingTalk alerts',
      secrets: { url: 'https://oapi.dingtalk.com/robot/send?access_token=PLAINTEXT-TOKEN-9', secret: SIGNING },
    });
    expect(ding.status).toBe(201);

    const listed =
      JSON.stringify((await stack.api.get('/api/connections')).body) +
      JSON.stringify((await stack.api.get(`/api/connections/${wecom.body.id}`)).body);
    expect(listed).not.toContain('PLAINTEXT');

    // Every row of every table, as text: what a dump would hold.
    const client = new pg.Client({
      connectionString: (stack.server.db.pool as unknown as { options: { connectionString: string } }).options.connectionString,
    });
    await client.connect();
    const tables = await client.query(`select table_name from information_schema.tables where table_schema = 'public'`);
    let dump = '';
    for (const { table_name } of tables.rows)
      dump += (await client.query(`select row_to_json(t)::text as j from "${table_name}" t`)).rows.map((r) => r.j).join('\n');
    await client.end();
    expect(dump).toContain('Ops group robot');
    expect(dump).not.toContain('PLAINTEXT');
    expect(dump).toContain('v1:');

    // The worker can open them again, with the key.
    const opened = await stack.server.app.connections.reveal(ding.body.id);
    expect(opened).toMatchObject({ kind: 'dingtalk', secrets: { secret: SIGNING } });
  });

  it('a sealed secret copied onto another connection does not open (the id is authenticated)', async () => {
    const a = await stack.api.post('/api/connections', {
      kind: 'slack',
      name: 'A',
      secrets: { url: 'https://hooks.slack.com/services/T/B/PLAINTEXT-A' },
    });
    const b = await stack.api.post('/api/connections', {
      kind: 'slack',
      name: 'B',
      secrets: { url: 'https://hooks.slack.com/services/T/B/PLAINTEXT-B' },
    });
    await stack.server.db.pool.query(
      `update channel_connections set secret_sealed = (select secret_sealed from channel_connections where id = $1) where id = $2`,
      [a.body.id, b.body.id],
    );
    await expect(stack.server.app.connections.reveal(b.body.id)).rejects.toThrow();
  });

  it('refuses incomplete or malformed secrets with the field named', async () => {
    const res = await stack.api.post('/api/connections', { kind: 'webhook', name: 'x', secrets: { url: 'ftp://nope' } });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['secrets.secret', 'secrets.url']);
  });

  it('can be renamed, given quiet hours and a lower rate, and have one secret replaced; the rest stays sealed', async () => {
    const created = (
      await stack.api.post('/api/connections', {
        kind: 'dingtalk',
        name: 'Ding',
        secrets: { url: 'https://oapi.dingtalk.com/robot/send?access_token=PLAINTEXT-OLD', secret: 'SEC-PLAINTEXT-KEEP' },
      })
    ).body;
    const updated = await stack.api.put(`/api/connections/${created.id}`, {
      name: 'Ding alerts',
      settings: { quietHours: '22:30-07:30', rateLimit: '10/1m' },
      secrets: { url: 'https://oapi.dingtalk.com/robot/send?access_token=PLAINTEXT-NEW' },
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body).toMatchObject({
      name: 'Ding alerts',
      settings: { quietHours: '22:30-07:30', rateLimit: '10/1m' },
      secretFields: ['url', 'secret'],
    });
    expect(JSON.stringify(updated.body)).not.toContain('PLAINTEXT');
    expect((await stack.server.app.connections.reveal(created.id)).secrets).toEqual({
      url: 'https://oapi.dingtalk.com/robot/send?access_token=PLAINTEXT-NEW',
      secret: 'SEC-PLAINTEXT-KEEP',
    });
    const audit = JSON.stringify((await stack.api.get(`/api/audit?entityId=${created.id}`)).body);
    expect(audit).toContain('connection.updated');
    expect(audit).not.toContain('PLAINTEXT');

    // Above DingTalk's documented 20 a minute, or a window that is not one: refused, the field named, nothing changed.
    const tooFast = await stack.api.put(`/api/connections/${created.id}`, { settings: { rateLimit: '30/1m' } });
    expect(tooFast.status).toBe(400);
    expect(tooFast.body.errors).toEqual([
      { path: 'settings.rateLimit', message: "The rate limit 30 per 60s is above the provider's documented 20 per minute" },
    ]);
    const badWindow = await stack.api.put(`/api/connections/${created.id}`, { settings: { quietHours: '10pm-7am' } });
    expect(badWindow.body.errors).toEqual([{ path: 'settings.quietHours', message: 'Quiet hours "10pm-7am" must look like 22:00-08:00' }]);
    expect((await stack.api.get(`/api/connections/${created.id}`)).body.settings).toEqual({
      quietHours: '22:30-07:30',
      rateLimit: '10/1m',
    });
  });

  it('belongs to a department: designers there can read, not manage; others see nothing', async () => {
    const dept = await stack.departmentId('Growth');
    const created = await stack.api.post('/api/connections', {
      kind: 'slack',
      name: 'Growth Slack',
      departmentId: dept,
      secrets: { url: 'https://hooks.slack.com/services/T/B/C' },
    });
    const designer = await stack.user('Gwen Designer', [{ role: 'designer', department: 'Growth' }], { department: 'Growth' });
    const outsider = await stack.user('Otto Outsider', [{ role: 'designer', department: 'Other' }], { department: 'Other' });
    expect((await designer.api.get(`/api/connections/${created.body.id}`)).status).toBe(200);
    expect(
      (
        await designer.api.post('/api/connections', {
          kind: 'slack',
          name: 'mine',
          departmentId: dept,
          secrets: { url: 'https://hooks.slack.com/x' },
        })
      ).status,
    ).toBe(403);
    const peek = await outsider.api.get(`/api/connections/${created.body.id}`);
    expect(peek.status).toBe(404); // as if it did not exist
    expect(JSON.stringify(peek.body)).not.toContain('Growth Slack');
    expect((await outsider.api.get('/api/connections')).body.items.some((c: { id: string }) => c.id === created.body.id)).toBe(false);
    expect((await stack.api.del(`/api/connections/${created.body.id}`)).status).toBe(204);
  });
});
