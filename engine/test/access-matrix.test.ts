import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ApiClient, startStack, TEST_PASSWORD, type ApiResponse, type TestStack } from './support/stack.ts';
import { edge, fastRetry, flow, node } from './support/flows.ts';
import { waitFor } from './support/wait-for.ts';
import { startSlack } from '../../activities/test/channels/receivers.ts';

// At the production bcrypt cost every sign-in and new user here would take a tenth of a second or more.
vi.hoisted(() => {
  process.env.FLIGHTDECK_BCRYPT_COST ??= '4';
});

/**
 * Every API route × every kind of caller. A permitted call succeeds; a refused one gets exactly
 * 403 (401 without a valid sign-in) as a bare problem document that names none of the data it
 * guards, and leaves no trace in the audit log.
 *
 * The expectations below are written out by hand on purpose. They are NOT derived from
 * ROLE_PERMISSIONS in src/auth/access.ts: a change there that widens access has to fail here.
 *
 * The e-mail approval pages (GET/POST /approve) are not in the OpenAPI document: they are public
 * HTML guarded by a signed, single-use link token, and approvals.test.ts covers them. The inbound
 * hook (POST /api/hooks/{id}) is in the document but not in the matrix: no token or role opens it,
 * only the flow's signing secret does; hooks.test.ts and api-docs.test.ts cover it.
 */
const SIGNED_NOT_TOKEN = new Set(['POST /api/hooks/{id}']);

const PRINCIPALS = [
  'admin',
  'department_admin',
  'designer',
  'approver',
  'analyst',
  'viewer',
  'beta_department_admin',
  'beta_designer',
  'beta_approver',
  'beta_analyst',
  'beta_viewer',
  'expired',
  'anonymous',
  'bogus_token',
] as const;
type Principal = (typeof PRINCIPALS)[number];

/** Callers that belong to department Alpha (and the global admin); the fixtures are theirs to see. */
const ALPHA_INSIDERS: readonly Principal[] = ['admin', 'department_admin', 'designer', 'approver', 'analyst', 'viewer'];

/*
 * Y  permitted: 2xx
 * -  forbidden: 403
 * 0  hidden: 404, exactly as for an id that does not exist (the thing is in a department the caller cannot see)
 * !  not signed in: 401
 *
 * Columns: Alpha (admin has a global grant; the others a grant in Alpha), Beta outsiders
 * (a grant in Beta only), a user whose only grant (designer in Alpha) has expired, no credentials,
 * a bearer token that does not exist. Path parameters always point at Alpha's fixtures.
 *
 * Notes on least privilege:
 * - Lists (flows, runs, campaigns, users, audit) answer anyone holding the permission in some
 *   department, filtered to their departments: Beta outsiders get 200 and nothing from Alpha.
 * - Creating a department (or setting its head) is a global act: the admin only.
 * - A decision counts only from an eligible approver named on the task; not even an admin may
 *   decide in their place (and the run's requester is excluded by separation of duties).
 * - Reading one approval task: its approvers, or whoever may read the run.
 * - Work tasks (human.task) likewise: only the assignee completes one; whoever may read the run sees it.
 * - Existence stays private: a caller with no grant in Alpha gets 404 for Alpha's ids (0), the same
 *   answer as for a made-up id; 403 is for those who may see the thing but not change it, and for
 *   callers who lack the permission everywhere (refused before anything is looked up).
 * - Lessons: every reader of campaigns may search and record them in their departments; a lesson of
 *   Alpha (not shared) is hidden from Beta; its author or Alpha's campaign editors change or delete
 *   it; only the global admin shares it with every department.
 * - Tokens are managed from a signed-in session only; every caller here uses an API token, so
 *   those routes refuse them all (sign-in-tokens.test.ts covers them with sessions).
 */
const MATRIX = `
#                                          |  Alpha        |  Beta     | exp | none bogus
#                                           adm dad des apr ana vie  dad des apr ana vie
POST   /api/auth/login                       Y Y Y Y Y Y    Y Y Y Y Y    Y     Y Y
POST   /api/auth/logout                      Y Y Y Y Y Y    Y Y Y Y Y    Y     ! !
GET    /api/auth/me                          Y Y Y Y Y Y    Y Y Y Y Y    Y     ! !
PUT    /api/me/preferences                   Y Y Y Y Y Y    Y Y Y Y Y    Y     ! !
POST   /api/me/tokens                        - - - - - -    - - - - -    -     ! !
GET    /api/me/tokens                        - - - - - -    - - - - -    -     ! !
DELETE /api/me/tokens/{id}                   - - - - - -    - - - - -    -     ! !
GET    /api/tokens                           - - - - - -    - - - - -    -     ! !
DELETE /api/tokens/{id}                      - - - - - -    - - - - -    -     ! !
GET    /api/users                            Y Y - - - -    Y - - - -    -     ! !
POST   /api/users                            Y Y - - - -    - - - - -    -     ! !
POST   /api/users/{id}/grants                Y Y - - - -    - - - - -    -     ! !
DELETE /api/grants/{id}                      Y Y - - - -    0 - - - -    -     ! !
GET    /api/departments                      Y Y Y Y Y Y    Y Y Y Y Y    Y     ! !
POST   /api/departments                      Y - - - - -    - - - - -    -     ! !
GET    /api/audit                            Y Y - - Y -    Y - - Y -    -     ! !
GET    /api/flows                            Y Y Y Y Y Y    Y Y Y Y Y    -     ! !
POST   /api/flows                            Y Y Y - - -    - - - - -    -     ! !
GET    /api/flows/{id}                       Y Y Y Y Y Y    0 0 0 0 0    -     ! !
PUT    /api/flows/{id}                       Y Y Y - - -    0 0 - - -    -     ! !
POST   /api/flows/{id}/versions              Y Y Y - - -    0 0 - - -    -     ! !
GET    /api/flows/{id}/versions              Y Y Y Y Y Y    0 0 0 0 0    -     ! !
GET    /api/flows/{id}/versions/{a}/diff/{b} Y Y Y Y Y Y    0 0 0 0 0    -     ! !
POST   /api/flows/{id}/versions/{n}/rollback Y Y Y - - -    0 0 - - -    -     ! !
POST   /api/flows/{id}/runs                  Y Y Y - - -    0 0 - - -    -     ! !
GET    /api/templates                        Y Y Y Y Y Y    Y Y Y Y Y    Y     ! !
POST   /api/templates/{templateId}/flows     Y Y Y - - -    - - - - -    -     ! !
GET    /api/runs                             Y Y Y Y Y Y    Y Y Y Y Y    -     ! !
GET    /api/runs/{id}                        Y Y Y Y Y Y    0 0 0 0 0    -     ! !
POST   /api/runs/{id}/cancel                 Y Y Y - - -    0 0 - - -    -     ! !
POST   /api/runs/{id}/rerun                  Y Y Y - - -    0 0 - - -    -     ! !
POST   /api/runs/{id}/retry                  Y Y Y - - -    0 0 - - -    -     ! !
GET    /api/runs/{id}/deliveries             Y Y Y Y Y Y    0 0 0 0 0    -     ! !
GET    /api/runs/{id}/activities             Y Y Y Y Y Y    0 0 0 0 0    -     ! !
GET    /api/runs/{id}/events                 Y Y Y Y Y Y    0 0 0 0 0    -     ! !
POST   /api/deliveries/{id}/resend           Y 0 0 0 0 0    0 0 0 0 0    -     ! !
GET    /api/campaigns                        Y Y Y Y Y Y    Y Y Y Y Y    -     ! !
POST   /api/campaigns                        Y Y Y - - -    - - - - -    -     ! !
POST   /api/campaigns/import                 Y Y Y - - -    - - - - -    -     ! !
GET    /api/campaigns/{id}                   Y Y Y Y Y Y    0 0 0 0 0    -     ! !
PUT    /api/campaigns/{id}                   Y Y Y - - -    0 0 - - -    -     ! !
PUT    /api/campaigns/{id}/phases            Y Y Y - - -    0 0 - - -    -     ! !
POST   /api/campaigns/{id}/status            Y Y Y - - -    0 0 - - -    -     ! !
POST   /api/campaigns/{id}/metrics           Y Y Y - - -    0 0 - - -    -     ! !
GET    /api/campaigns/{id}/metrics           Y Y Y Y Y Y    0 0 0 0 0    -     ! !
GET    /api/campaigns/{id}/review            Y Y Y Y Y Y    0 0 0 0 0    -     ! !
GET    /api/campaigns/{id}/review.csv        Y Y Y Y Y Y    0 0 0 0 0    -     ! !
GET    /api/campaigns/{id}/review.pdf        Y Y Y Y Y Y    0 0 0 0 0    -     ! !
POST   /api/campaigns/{id}/review            Y Y Y - - -    0 0 - - -    -     ! !
GET    /api/campaigns/{id}/reviews           Y Y Y Y Y Y    0 0 0 0 0    -     ! !
GET    /api/campaigns/{id}/reviews/compare   Y Y Y Y Y Y    0 0 0 0 0    -     ! !
GET    /api/campaigns/{id}/comparison        Y Y Y Y Y Y    0 0 0 0 0    -     ! !
GET    /api/portfolio                        Y Y Y Y Y Y    Y Y Y Y Y    -     ! !
GET    /api/portfolio.csv                    Y Y Y Y Y Y    Y Y Y Y Y    -     ! !
GET    /api/approvals                        Y Y Y Y Y Y    Y Y Y Y Y    Y     ! !
GET    /api/approvals/{taskId}               Y Y Y Y Y Y    0 0 0 0 0    0     ! !
POST   /api/approvals/{taskId}/decision      - - - Y - -    0 0 0 0 0    0     ! !
GET    /api/tasks                            Y Y Y Y Y Y    Y Y Y Y Y    Y     ! !
GET    /api/tasks/{id}                       Y Y Y Y Y Y    0 0 0 0 0    0     ! !
POST   /api/tasks/{id}/complete              - - - Y - -    0 0 0 0 0    0     ! !
POST   /api/flows/{id}/hook-secret           Y Y Y - - -    0 0 - - -    -     ! !
GET    /api/flows/{id}/schedule              Y Y Y Y Y Y    0 0 0 0 0    -     ! !
POST   /api/flows/{id}/unpublish             Y Y Y - - -    0 0 - - -    -     ! !
GET    /api/alerts                           Y Y Y Y Y Y    Y Y Y Y Y    -     ! !
GET    /api/alerts/{id}                      Y Y Y Y Y Y    0 0 0 0 0    -     ! !
POST   /api/alerts/{id}/ack                  Y Y Y - - -    0 0 - - -    -     ! !
POST   /api/alerts/ack                       Y Y Y - - -    Y Y - - -    -     ! !
POST   /api/alerts/{id}/resolve              Y Y Y - - -    0 0 - - -    -     ! !
POST   /api/alerts/{id}/snooze               Y Y Y - - -    0 0 - - -    -     ! !
GET    /api/silences                         Y Y Y Y Y Y    Y Y Y Y Y    -     ! !
POST   /api/silences                         Y Y Y - - -    0 0 - - -    -     ! !
DELETE /api/silences/{id}                    Y Y Y - - -    0 0 - - -    -     ! !
GET    /api/connections                      Y Y Y - - -    Y Y - - -    -     ! !
POST   /api/connections                      Y Y - - - -    - - - - -    -     ! !
GET    /api/connections/{id}                 Y Y Y - - -    0 0 - - -    -     ! !
PUT    /api/connections/{id}                 Y Y - - - -    0 - - - -    -     ! !
POST   /api/connections/{id}/test            Y Y - - - -    0 - - - -    -     ! !
POST   /api/connections/{id}/pause           Y Y - - - -    0 - - - -    -     ! !
POST   /api/connections/{id}/resume          Y Y - - - -    0 - - - -    -     ! !
DELETE /api/connections/{id}                 Y Y - - - -    0 - - - -    -     ! !
GET    /api/notifications                    Y Y Y Y Y Y    Y Y Y Y Y    Y     ! !
POST   /api/notifications/read               Y Y Y Y Y Y    Y Y Y Y Y    Y     ! !
GET    /api/lessons                          Y Y Y Y Y Y    Y Y Y Y Y    -     ! !
POST   /api/lessons                          Y Y Y Y Y Y    - - - - -    -     ! !
GET    /api/lessons/related                  Y Y Y Y Y Y    0 0 0 0 0    -     ! !
GET    /api/lessons/{id}                     Y Y Y Y Y Y    0 0 0 0 0    -     ! !
PATCH  /api/lessons/{id}                     Y Y Y - - -    0 0 0 0 0    -     ! !
DELETE /api/lessons/{id}                     Y Y Y - - -    0 0 0 0 0    -     ! !
PUT    /api/lessons/{id}/shared              Y - - - - -    0 0 0 0 0    -     ! !
GET    /api/node-types                       Y Y Y Y Y Y    Y Y Y Y Y    Y     Y Y
GET    /api/openapi.json                     Y Y Y Y Y Y    Y Y Y Y Y    Y     Y Y
GET    /healthz                              Y Y Y Y Y Y    Y Y Y Y Y    Y     Y Y
`;

type Outcome = 'ok' | 404 | 403 | 401;

function parseMatrix(text: string): Map<string, Record<Principal, Outcome>> {
  const rows = new Map<string, Record<Principal, Outcome>>();
  for (const line of text.split('\n')) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const [method, path, ...cells] = line.trim().split(/\s+/);
    if (cells.length !== PRINCIPALS.length)
      throw new Error(`matrix row ${method} ${path}: ${cells.length} cells, want ${PRINCIPALS.length}`);
    const row = {} as Record<Principal, Outcome>;
    PRINCIPALS.forEach((p, i) => {
      const c = cells[i];
      if (c === 'Y') row[p] = 'ok';
      else if (c === '-') row[p] = 403;
      else if (c === '0') row[p] = 404;
      else if (c === '!') row[p] = 401;
      else throw new Error(`matrix row ${method} ${path}: bad cell ${c}`);
    });
    const key = `${method} ${path}`;
    if (rows.has(key)) throw new Error(`matrix lists ${key} twice`);
    rows.set(key, row);
  }
  return rows;
}
const EXPECTED = parseMatrix(MATRIX);

/** The problem document's keys; a refusal carries nothing else. */
const PROBLEM_KEYS = ['type', 'title', 'status', 'detail', 'code', 'params', 'errors'];

interface AuditRow {
  id: number;
  action: string;
  entityType: string;
  entityId: string;
  departmentId: string | null;
  before: any;
  after: any;
}

interface Call {
  method?: string;
  path: string;
  body?: unknown;
  /** Private data of what this call touches; a refusal must not contain it. */
  secrets?: string[];
  /** Finds the audit entry the call leaves when it takes effect; a refused call must leave none. */
  effect?: (e: AuditRow) => boolean;
  /** Sent with this token instead of the caller's read/write one (the ingest route takes ingest tokens only). */
  token?: string;
}

interface RouteCase {
  build(who: Principal, mark: string): Promise<Call> | Call;
  /** Extra checks on a permitted answer. */
  check?(who: Principal, res: ApiResponse): void;
}

const rand = () => randomUUID().replace(/-/g, '').slice(0, 10);
const marked = (mark: string) => (e: AuditRow) => JSON.stringify(e).includes(mark);

async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

describe('access matrix', () => {
  let stack: TestStack;
  const clients = {} as Record<Principal, ApiClient>;
  const people = {} as Record<Principal, { id: string; email: string }>;
  const fx = {
    alphaId: '',
    betaId: '',
    flowId: '',
    failingFlowId: '',
    flowName: `Private flow ${rand()}`,
    holdNode: `hold_${rand()}`,
    runId: '',
    runInput: `private-input-${rand()}`,
    campaignId: '',
    campaignName: `Private campaign ${rand()}`,
    approvalFlowName: `Private approval flow ${rand()}`,
    approvalTitle: `Private approval ${rand()}`,
    taskId: '',
    workFlowId: '',
    workTitle: `Private task ${rand()}`,
    workTaskId: '',
    templateId: '',
    approver2Email: '',
    connectionId: '',
    connectionName: `Private connection ${rand()}`,
    alertId: '',
    lessonId: '',
    lessonFact: `Private lesson ${rand()}`,
  };
  /** Alpha's private data: nobody outside Alpha may ever receive any of it. */
  let secrets: string[] = [];
  const extraRuns: string[] = [];
  let slack: Awaited<ReturnType<typeof startSlack>>;

  const holdGraph = (hold: string) =>
    flow(
      [node('start', 'trigger.manual'), node(hold, 'control.delay', { duration: '1h' }), node('done', 'control.end')],
      [edge('start', 'next', hold), edge(hold, 'next', 'done')],
    );

  beforeAll(async () => {
    stack = await startStack('access-matrix');
    slack = await startSlack();
    const admin = stack.api;
    fx.alphaId = await stack.departmentId('Alpha');
    fx.betaId = await stack.departmentId('Beta');

    const made = await Promise.all([
      stack.user('Ada Admin', [{ role: 'admin', department: null }]),
      stack.user('Dora DeptAdmin', [{ role: 'department_admin', department: 'Alpha' }], { department: 'Alpha' }),
      stack.user('Dan Designer', [{ role: 'designer', department: 'Alpha' }], { department: 'Alpha' }),
      stack.user('Amy Approver', [{ role: 'approver', department: 'Alpha' }], { department: 'Alpha' }),
      stack.user('Ann Analyst', [{ role: 'analyst', department: 'Alpha' }], { department: 'Alpha' }),
      stack.user('Vic Viewer', [{ role: 'viewer', department: 'Alpha' }], { department: 'Alpha' }),
      stack.user('Bea DeptAdmin', [{ role: 'department_admin', department: 'Beta' }], { department: 'Beta' }),
      stack.user('Ben Designer', [{ role: 'designer', department: 'Beta' }], { department: 'Beta' }),
      stack.user('Bob Approver', [{ role: 'approver', department: 'Beta' }], { department: 'Beta' }),
      stack.user('Bud Analyst', [{ role: 'analyst', department: 'Beta' }], { department: 'Beta' }),
      stack.user('Bo Viewer', [{ role: 'viewer', department: 'Beta' }], { department: 'Beta' }),
      stack.user('Eve Expired', [], { department: 'Alpha' }),
    ]);
    PRINCIPALS.slice(0, 12).forEach((p, i) => {
      clients[p] = made[i]!.api;
      people[p] = { id: made[i]!.id, email: made[i]!.email };
    });
    clients.anonymous = new ApiClient(stack.url);
    clients.bogus_token = new ApiClient(stack.url, `fdk_${'x'.repeat(43)}`);
    // A temporary grant that has run out confers nothing.
    const expired = await admin.post(`/api/users/${people.expired.id}/grants`, {
      role: 'designer',
      departmentId: fx.alphaId,
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(expired.status, JSON.stringify(expired.body)).toBe(201);
    const approver2 = await stack.user('Al Approver', [{ role: 'approver', department: 'Alpha' }], { department: 'Alpha' });
    fx.approver2Email = approver2.email;

    // Alpha's fixtures, created by the first administrator.
    const created = await admin.post('/api/flows', { name: fx.flowName, graph: holdGraph(fx.holdNode), departmentId: fx.alphaId });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    fx.flowId = created.body.id;
    expect((await admin.post(`/api/flows/${fx.flowId}/versions`, {})).status).toBe(201);
    fx.runId = await admin.startRun(fx.flowId, { secret: fx.runInput });
    // Fails at once at its webhook (nothing listens on port 9), so each retry has a failed run of its own.
    const failing = await admin.post('/api/flows', {
      name: `Failing flow ${rand()}`,
      departmentId: fx.alphaId,
      graph: flow(
        [
          node('start', 'trigger.manual'),
          node('call', 'channel.webhook', { url: 'http://127.0.0.1:9/nothing', retry: fastRetry(1) }),
          node('done', 'control.end'),
        ],
        [edge('start', 'next', 'call'), edge('call', 'sent', 'done')],
      ),
    });
    expect(failing.status, JSON.stringify(failing.body)).toBe(201);
    fx.failingFlowId = failing.body.id;
    expect((await admin.post(`/api/flows/${fx.failingFlowId}/versions`, {})).status).toBe(201);
    const campaign = await admin.post('/api/campaigns', { name: fx.campaignName, departmentId: fx.alphaId });
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
    fx.campaignId = campaign.body.id;
    fx.templateId = (await admin.get('/api/templates')).body.items[0].id;
    const connection = await admin.post('/api/connections', {
      kind: 'slack',
      name: fx.connectionName,
      departmentId: fx.alphaId,
      secrets: { url: 'https://hooks.slack.com/services/T/B/alpha' },
    });
    expect(connection.status, JSON.stringify(connection.body)).toBe(201);
    fx.connectionId = connection.body.id;
    fx.alertId = await freshAlert('fixture_rule');
    fx.lessonId = await freshLesson(fx.lessonFact, 'fixture_kpi');

    // An approval asking the Alpha approver (and a second one, so one vote leaves it open).
    const approvalGraph = flow(
      [
        node('start', 'trigger.manual'),
        node('ask', 'approval.request', {
          title: fx.approvalTitle,
          approvers: [
            { kind: 'user', user: people.approver.email },
            { kind: 'user', user: approver2.email },
          ],
          mode: 'all',
          due: '1d',
        }),
        node('yes', 'control.end'),
        node('no', 'control.end'),
        node('late', 'control.end'),
      ],
      [edge('start', 'next', 'ask'), edge('ask', 'approved', 'yes'), edge('ask', 'rejected', 'no'), edge('ask', 'timed_out', 'late')],
    );
    const af = await admin.post('/api/flows', { name: fx.approvalFlowName, graph: approvalGraph, departmentId: fx.alphaId });
    expect(af.status, JSON.stringify(af.body)).toBe(201);
    expect((await admin.post(`/api/flows/${af.body.id}/versions`, {})).status).toBe(201);
    const approvalRun = await admin.startRun(af.body.id, { secret: fx.runInput });
    fx.taskId = await waitFor('the approval task in the inbox', async () => {
      const inbox = await clients.approver.get('/api/approvals');
      return inbox.body.items.find((t: { runId: string }) => t.runId === approvalRun)?.taskId as string | undefined;
    });

    // A work task for the Alpha approver, by name; completing one is tried on fresh ones (freshWorkTask).
    const workGraph = flow(
      [
        node('start', 'trigger.manual'),
        node('work', 'human.task', { title: fx.workTitle, assignees: [{ kind: 'user', user: people.approver.email }], due: '1d' }),
        node('done', 'control.end'),
        node('late', 'control.end'),
      ],
      [edge('start', 'next', 'work'), edge('work', 'done', 'done'), edge('work', 'timed_out', 'late')],
    );
    const wf = await admin.post('/api/flows', { name: `Private task flow ${rand()}`, graph: workGraph, departmentId: fx.alphaId });
    expect(wf.status, JSON.stringify(wf.body)).toBe(201);
    expect((await admin.post(`/api/flows/${wf.body.id}/versions`, {})).status).toBe(201);
    fx.workFlowId = wf.body.id;
    fx.workTaskId = await freshWorkTask();

    secrets = [
      fx.workTitle,
      fx.flowName,
      fx.holdNode,
      fx.runInput,
      fx.campaignName,
      fx.approvalFlowName,
      fx.approvalTitle,
      people.viewer.email,
      fx.approver2Email,
      fx.connectionName,
      fx.lessonFact,
    ];
  });

  afterAll(async () => {
    // The hour-long runs would otherwise outlive the test on the shared Temporal server.
    if (stack) await Promise.allSettled([fx.runId, ...extraRuns].filter(Boolean).map((id) => stack.api.post(`/api/runs/${id}/cancel`)));
    await stack?.close();
    await slack?.close();
  });

  // Per-call fixtures, so calls never depend on each other's order.
  async function freshRun(): Promise<string> {
    const id = await stack.api.startRun(fx.flowId, { secret: fx.runInput });
    extraRuns.push(id);
    return id;
  }
  async function freshFailedRun(): Promise<string> {
    const id = await stack.api.startRun(fx.failingFlowId, { secret: fx.runInput });
    if ((await stack.api.waitForRun(id)).status !== 'failed') throw new Error('the failing flow did not fail');
    return id;
  }
  let ended: Promise<string> | undefined;
  /** One cancelled run, made on first use and shared. */
  function endedRun(): Promise<string> {
    return (ended ??= (async () => {
      const id = await freshRun();
      await stack.api.post(`/api/runs/${id}/cancel`);
      await stack.api.waitForRun(id);
      return id;
    })());
  }
  async function freshUser(): Promise<string> {
    const r = await stack.api.post('/api/users', {
      email: `throwaway.${rand()}@test.flightdeck`,
      name: 'Throwaway',
      password: TEST_PASSWORD,
      departmentId: fx.alphaId,
    });
    if (r.status !== 201) throw new Error(`user: ${JSON.stringify(r.body)}`);
    return r.body.id;
  }
  async function freshGrant(): Promise<string> {
    const r = await stack.api.post(`/api/users/${await freshUser()}/grants`, { role: 'viewer', departmentId: fx.alphaId });
    if (r.status !== 201) throw new Error(`grant: ${JSON.stringify(r.body)}`);
    return r.body.id;
  }
  /** A token of this principal (the viewer's for those without an account), made directly, not over HTTP. */
  async function freshToken(who: Principal): Promise<string> {
    const svc = stack.server.app.people;
    const actor = await svc.actorFor((await svc.userRow((people[who] ?? people.viewer).id))!, 'system');
    return (await svc.createApiToken(actor, `throwaway ${rand()}`)).id;
  }
  /** An ingest-scope token of a principal with an account. */
  async function ingestToken(who: Principal): Promise<string> {
    const svc = stack.server.app.people;
    const actor = await svc.actorFor((await svc.userRow(people[who]!.id))!, 'system');
    return (await svc.createApiToken(actor, `ingest ${rand()}`, { scopes: ['ingest'] })).token;
  }
  async function freshCampaign(phases: unknown[] = []): Promise<{ id: string; name: string }> {
    const name = `Private campaign ${rand()}`;
    const r = await stack.api.post('/api/campaigns', { name, departmentId: fx.alphaId, phases });
    if (r.status !== 201) throw new Error(`campaign: ${JSON.stringify(r.body)}`);
    return { id: r.body.id, name };
  }

  /** An alert of Alpha's campaign, as a monitor's transition opens it; `rule` keeps each one apart. */
  async function freshAlert(rule: string): Promise<string> {
    const changes = await stack.server.db.db.transaction((tx) =>
      stack.server.app.alerts.applyTransitions(tx, {
        campaignId: fx.campaignId,
        nodeId: 'watch',
        transitions: [
          {
            ruleId: rule,
            channel: 'tmall',
            from: 'pending',
            to: 'firing',
            at: '2026-06-18T02:00:00.000Z',
            value: 0.01,
            threshold: 0.015,
            severity: 'warning',
            unit: 'ratio',
          },
        ],
        receivedAt: new Date(),
      }),
    );
    return changes[0]!.alertId;
  }
  /** A lesson of Alpha's, not shared, recorded by the first administrator. */
  /** A run whose human.task waits for the Alpha approver; its task's id once the approver's list shows it. */
  async function freshWorkTask(): Promise<string> {
    const runId = await stack.api.startRun(fx.workFlowId, {});
    extraRuns.push(runId);
    return waitFor('the work task in the list', async () => {
      const mine = await clients.approver.get('/api/tasks');
      return mine.body.items.find((t: { runId: string }) => t.runId === runId)?.id as string | undefined;
    });
  }
  async function freshLesson(fact = `Private lesson ${rand()}`, kpi = 'throwaway'): Promise<string> {
    const r = await stack.api.post('/api/lessons', { departmentId: fx.alphaId, fact, cause: 'c', insight: 'i', action: 'a', kpi });
    if (r.status !== 201) throw new Error(`lesson: ${JSON.stringify(r.body)}`);
    return r.body.id;
  }
  async function freshSilence(): Promise<string> {
    const r = await stack.api.post('/api/silences', { campaignId: fx.campaignId, endsAt: new Date(Date.now() + 86_400_000).toISOString() });
    if (r.status !== 201) throw new Error(`silence: ${JSON.stringify(r.body)}`);
    return r.body.id;
  }

  const isBeta = (who: Principal) => who.startsWith('beta_');
  const ids = (res: ApiResponse) => (res.body.items as { id: string }[]).map((i) => i.id);

  const ROUTES: Record<string, RouteCase> = {
    'POST /api/auth/login': {
      build: (who) => ({ path: '/api/auth/login', body: { email: (people[who] ?? people.beta_viewer).email, password: TEST_PASSWORD } }),
      check: (_who, res) => expect(res.body.csrfToken).toEqual(expect.any(String)),
    },
    'POST /api/auth/logout': { build: () => ({ path: '/api/auth/logout' }) },
    'GET /api/auth/me': {
      build: () => ({ path: '/api/auth/me' }),
      check: (who, res) => {
        expect(res.body.user.id).toBe(people[who].id);
        expect(res.body.csrfToken).toBeNull(); // an API token has no CSRF token
      },
    },
    'PUT /api/me/preferences': { build: () => ({ path: '/api/me/preferences', body: { locale: 'en' } }) },
    'POST /api/me/tokens': { build: (_who, mark) => ({ path: '/api/me/tokens', body: { name: mark }, effect: marked(mark) }) },
    'GET /api/me/tokens': { build: () => ({ path: '/api/me/tokens' }) },
    'DELETE /api/me/tokens/{id}': {
      build: async (who) => {
        const token = await freshToken(who);
        return { method: 'DELETE', path: `/api/me/tokens/${token}`, effect: (e) => e.action === 'token.revoked' && e.entityId === token };
      },
    },
    'GET /api/tokens': { build: () => ({ path: '/api/tokens' }) },
    'DELETE /api/tokens/{id}': {
      build: async () => {
        const token = await freshToken('viewer');
        return { method: 'DELETE', path: `/api/tokens/${token}`, effect: (e) => e.action === 'token.revoked' && e.entityId === token };
      },
    },
    'GET /api/users': {
      build: () => ({ path: '/api/users' }),
      check: (who, res) => {
        const depts = (res.body.items as { departmentId: string | null }[]).map((u) => u.departmentId);
        if (who === 'admin') expect(ids(res)).toContain(people.beta_viewer.id);
        if (who === 'department_admin') {
          expect(ids(res)).toContain(people.viewer.id);
          expect(depts.every((d) => d === fx.alphaId)).toBe(true);
        }
        if (isBeta(who)) expect(depts.every((d) => d === fx.betaId)).toBe(true);
      },
    },
    'POST /api/users': {
      build: (_who, mark) => ({
        path: '/api/users',
        body: { email: `${mark}@test.flightdeck`, name: mark, password: TEST_PASSWORD, departmentId: fx.alphaId },
        effect: marked(mark),
      }),
    },
    'POST /api/users/{id}/grants': {
      build: async () => {
        const target = await freshUser();
        return {
          path: `/api/users/${target}/grants`,
          body: { role: 'viewer', departmentId: fx.alphaId },
          effect: (e) => e.action === 'grant.created' && e.after?.userId === target,
        };
      },
    },
    'DELETE /api/grants/{id}': {
      build: async () => {
        const grant = await freshGrant();
        return { method: 'DELETE', path: `/api/grants/${grant}`, effect: (e) => e.action === 'grant.revoked' && e.entityId === grant };
      },
    },
    'GET /api/departments': { build: () => ({ path: '/api/departments' }) },
    'POST /api/departments': { build: (_who, mark) => ({ path: '/api/departments', body: { name: mark }, effect: marked(mark) }) },
    'GET /api/audit': {
      build: (who) => ({ path: isBeta(who) ? '/api/audit?limit=500' : `/api/audit?entityType=flow&entityId=${fx.flowId}` }),
      check: (who, res) => {
        const rows = res.body.items as AuditRow[];
        if (isBeta(who)) expect(rows.filter((e) => e.departmentId === fx.alphaId)).toEqual([]);
        else expect(rows.map((e) => e.action)).toContain('flow.created');
      },
    },
    'GET /api/flows': {
      build: () => ({ path: '/api/flows' }),
      check: (who, res) => {
        if (isBeta(who)) expect((res.body.items as { departmentId: string }[]).filter((f) => f.departmentId === fx.alphaId)).toEqual([]);
        else expect(ids(res)).toContain(fx.flowId);
      },
    },
    'POST /api/flows': {
      build: (_who, mark) => ({
        path: '/api/flows',
        body: { name: mark, graph: holdGraph('hold'), departmentId: fx.alphaId },
        effect: marked(mark),
      }),
    },
    'GET /api/flows/{id}': {
      build: () => ({ path: `/api/flows/${fx.flowId}` }),
      check: (_who, res) => expect(res.body.name).toBe(fx.flowName),
    },
    'PUT /api/flows/{id}': {
      build: (_who, mark) => ({ method: 'PUT', path: `/api/flows/${fx.flowId}`, body: { description: mark }, effect: marked(mark) }),
    },
    'POST /api/flows/{id}/versions': {
      build: (_who, mark) => ({ path: `/api/flows/${fx.flowId}/versions`, body: { note: mark }, effect: marked(mark) }),
    },
    'GET /api/flows/{id}/versions': {
      build: () => ({ path: `/api/flows/${fx.flowId}/versions` }),
      check: (_who, res) => expect(res.body.items.length).toBeGreaterThan(0),
    },
    'GET /api/flows/{id}/versions/{a}/diff/{b}': {
      build: () => ({ path: `/api/flows/${fx.flowId}/versions/1/diff/1` }),
      check: (_who, res) => expect(res.body.diff.nodes.changed).toEqual([]),
    },
    'POST /api/flows/{id}/versions/{n}/rollback': {
      build: () => ({ path: `/api/flows/${fx.flowId}/versions/1/rollback` }),
      check: (_who, res) => expect(res.body.note).toBe('Rolled back to v1'),
    },
    'POST /api/flows/{id}/runs': {
      build: (_who, mark) => ({ path: `/api/flows/${fx.flowId}/runs`, body: { input: { mark } }, effect: marked(mark) }),
      check: (_who, res) => void extraRuns.push(res.body.id),
    },
    'GET /api/templates': { build: () => ({ path: '/api/templates' }) },
    'POST /api/templates/{templateId}/flows': {
      build: (_who, mark) => ({
        path: `/api/templates/${fx.templateId}/flows`,
        body: { name: mark, departmentId: fx.alphaId },
        effect: marked(mark),
      }),
    },
    'GET /api/runs': {
      build: () => ({ path: '/api/runs?limit=200' }),
      check: (who, res) => {
        if (isBeta(who)) expect(res.body.items).toEqual([]);
        else expect(ids(res)).toContain(fx.runId);
      },
    },
    'GET /api/runs/{id}': {
      build: () => ({ path: `/api/runs/${fx.runId}` }),
      check: (_who, res) => expect(res.body.input).toEqual({ secret: fx.runInput }),
    },
    'POST /api/runs/{id}/cancel': {
      build: async () => {
        const run = await freshRun();
        return { path: `/api/runs/${run}/cancel`, effect: (e) => e.action === 'run.cancel_requested' && e.entityId === run };
      },
    },
    'GET /api/runs/{id}/activities': {
      build: () => ({ path: `/api/runs/${fx.runId}/activities` }),
      check: (_who, res) => expect(res.body.available).toBe(true),
    },
    'POST /api/runs/{id}/rerun': {
      build: async () => {
        const run = await freshRun();
        return { path: `/api/runs/${run}/rerun`, body: {}, effect: (e) => e.action === 'run.rerun' && e.entityId === run };
      },
      check: (_who, res) => void extraRuns.push(res.body.id),
    },
    'POST /api/runs/{id}/retry': {
      build: async () => {
        const run = await freshFailedRun();
        return { path: `/api/runs/${run}/retry`, body: {}, effect: (e) => e.action === 'run.retried' && e.entityId === run };
      },
    },
    'GET /api/campaigns': {
      build: () => ({ path: '/api/campaigns' }),
      check: (who, res) => {
        if (isBeta(who)) expect((res.body.items as { departmentId: string }[]).filter((c) => c.departmentId === fx.alphaId)).toEqual([]);
        else expect(ids(res)).toContain(fx.campaignId);
      },
    },
    'POST /api/campaigns': {
      build: (_who, mark) => ({ path: '/api/campaigns', body: { name: mark, departmentId: fx.alphaId }, effect: marked(mark) }),
    },
    'POST /api/campaigns/import': {
      build: (_who, mark) => ({
        path: '/api/campaigns/import',
        body: { id: mark, name: mark, department: 'Alpha', goals: [], budget: { total: 1000 }, phases: [] },
        effect: marked(mark),
      }),
      check: (_who, res) => expect(res.body.departmentId).toBe(fx.alphaId),
    },
    'GET /api/flows/{id}/schedule': {
      build: () => ({ path: `/api/flows/${fx.flowId}/schedule` }),
      check: (_who, res) => expect(res.body.schedule).toBeNull(),
    },
    'POST /api/flows/{id}/unpublish': {
      build: () => ({ path: `/api/flows/${fx.flowId}/unpublish` }),
      check: (_who, res) => expect(res.body.scheduleRemoved).toBe(false),
    },
    'POST /api/flows/{id}/hook-secret': {
      build: async () => {
        const name = `Hooked flow ${rand()}`;
        const r = await stack.api.post('/api/flows', { name, departmentId: fx.alphaId, graph: holdGraph(`hold_${rand()}`) });
        return {
          path: `/api/flows/${r.body.id}/hook-secret`,
          secrets: [name],
          effect: (e) => e.action === 'hook.secret_rotated' && e.entityId === r.body.id,
        };
      },
      check: (_who, res) => expect(res.body.secret).toMatch(/^whsec_/),
    },
    'GET /api/alerts': {
      build: () => ({ path: '/api/alerts' }),
      check: (who, res) => {
        if (isBeta(who)) expect((res.body.items as { campaignId: string }[]).filter((a) => a.campaignId === fx.campaignId)).toEqual([]);
        else expect(ids(res)).toContain(fx.alertId);
      },
    },
    'GET /api/alerts/{id}': {
      build: () => ({ path: `/api/alerts/${fx.alertId}` }),
      check: (_who, res) => expect(res.body.campaignName).toBe(fx.campaignName),
    },
    'POST /api/alerts/{id}/ack': {
      build: async (_who, mark) => {
        const id = await freshAlert(mark);
        return { path: `/api/alerts/${id}/ack`, effect: (e) => e.action === 'alert.acknowledged' && e.entityId === id };
      },
      check: (_who, res) => expect(res.body.state).toBe('acknowledged'),
    },
    // Beta's writers may call it, and learn nothing: Alpha's alert is not_found, as a made-up id would be.
    'POST /api/alerts/ack': {
      build: async (who, mark) => {
        const id = await freshAlert(mark);
        const effect = isBeta(who) ? {} : { effect: (e: AuditRow) => e.action === 'alert.acknowledged' && e.entityId === id };
        return { path: '/api/alerts/ack', body: { ids: [id] }, ...effect };
      },
      check: (who, res) =>
        expect(res.body.results.map((r: { outcome: string }) => r.outcome)).toEqual([isBeta(who) ? 'not_found' : 'acknowledged']),
    },
    'POST /api/alerts/{id}/resolve': {
      build: async (_who, mark) => {
        const id = await freshAlert(mark);
        return { path: `/api/alerts/${id}/resolve`, effect: (e) => e.action === 'alert.resolved' && e.entityId === id };
      },
      check: (_who, res) => expect(res.body.state).toBe('resolved'),
    },
    'POST /api/alerts/{id}/snooze': {
      build: async (_who, mark) => {
        const id = await freshAlert(mark);
        return {
          path: `/api/alerts/${id}/snooze`,
          body: { until: new Date(Date.now() + 3_600_000).toISOString() },
          effect: (e) => e.action === 'alert.snoozed' && e.entityId === id,
        };
      },
      check: (_who, res) => expect(res.body.state).toBe('snoozed'),
    },
    'GET /api/silences': { build: () => ({ path: `/api/silences?campaignId=${fx.campaignId}` }) },
    'POST /api/silences': {
      build: (_who, mark) => ({
        path: '/api/silences',
        body: { campaignId: fx.campaignId, endsAt: new Date(Date.now() + 86_400_000).toISOString(), comment: mark },
        effect: marked(mark),
      }),
    },
    'DELETE /api/silences/{id}': {
      build: async () => {
        const id = await freshSilence();
        return { method: 'DELETE', path: `/api/silences/${id}`, effect: (e) => e.action === 'silence.expired' && e.entityId === id };
      },
    },
    'GET /api/connections': {
      build: () => ({ path: '/api/connections' }),
      check: (who, res) => (isBeta(who) ? expect(ids(res)).not.toContain(fx.connectionId) : expect(ids(res)).toContain(fx.connectionId)),
    },
    'POST /api/connections': {
      build: (_who, mark) => ({
        path: '/api/connections',
        body: { kind: 'slack', name: mark, departmentId: fx.alphaId, secrets: { url: 'https://hooks.slack.com/services/T/B/x' } },
        effect: marked(mark),
      }),
    },
    'GET /api/connections/{id}': {
      build: () => ({ path: `/api/connections/${fx.connectionId}` }),
      check: (_who, res) => expect(res.body.name).toBe(fx.connectionName),
    },
    'POST /api/connections/{id}/test': {
      // A connection to a local Slack-style receiver: a permitted test really sends, and only to loopback.
      build: async () => {
        const name = `Tested connection ${rand()}`;
        const r = await stack.api.post('/api/connections', {
          kind: 'slack',
          name,
          departmentId: fx.alphaId,
          secrets: { url: slack.webhookUrl },
        });
        return {
          path: `/api/connections/${r.body.id}/test`,
          body: {},
          secrets: [name],
          effect: (e) => e.action === 'connection.tested' && e.entityId === r.body.id,
        };
      },
      check: (_who, res) => expect(res.body.ok).toBe(true),
    },
    'PUT /api/connections/{id}': {
      build: async (_who, mark) => {
        const r = await stack.api.post('/api/connections', {
          kind: 'slack',
          name: `Editable ${rand()}`,
          departmentId: fx.alphaId,
          secrets: { url: 'https://hooks.slack.com/services/T/B/e' },
        });
        return {
          method: 'PUT',
          path: `/api/connections/${r.body.id}`,
          body: { name: mark, settings: { quietHours: '22:00-08:00' } },
          effect: marked(mark),
        };
      },
      check: (_who, res) => expect(res.body.settings).toEqual({ quietHours: '22:00-08:00' }),
    },
    'POST /api/connections/{id}/pause': {
      build: async (_who, mark) => {
        const r = await stack.api.post('/api/connections', {
          kind: 'slack',
          name: `Pausable ${rand()}`,
          departmentId: fx.alphaId,
          secrets: { url: 'https://hooks.slack.com/services/T/B/p' },
        });
        return {
          path: `/api/connections/${r.body.id}/pause`,
          body: { reason: mark },
          effect: (e) => e.action === 'connection.paused' && e.entityId === r.body.id,
        };
      },
      check: (_who, res) => expect(res.body.paused).toBe(true),
    },
    'POST /api/connections/{id}/resume': {
      build: async () => {
        const r = await stack.api.post('/api/connections', {
          kind: 'slack',
          name: `Resumable ${rand()}`,
          departmentId: fx.alphaId,
          secrets: { url: 'https://hooks.slack.com/services/T/B/r' },
        });
        await stack.api.post(`/api/connections/${r.body.id}/pause`, { reason: 'maintenance' });
        return {
          path: `/api/connections/${r.body.id}/resume`,
          body: {},
          effect: (e) => e.action === 'connection.resumed' && e.entityId === r.body.id,
        };
      },
      check: (_who, res) => expect(res.body.paused).toBe(false),
    },
    'GET /api/notifications': {
      build: () => ({ path: '/api/notifications' }),
      check: (_who, res) => expect(typeof res.body.unread).toBe('number'),
    },
    'POST /api/notifications/read': {
      build: () => ({ path: '/api/notifications/read', body: { all: true } }),
      check: (_who, res) => expect(res.body.unread).toBe(0),
    },
    'GET /api/runs/{id}/events': {
      // An ended run's stream is its last state and `end`, then closed: the whole answer can be read.
      build: async () => ({ path: `/api/runs/${await endedRun()}/events` }),
      check: (_who, res) => expect(res.body).toContain('event: end'),
    },
    'GET /api/runs/{id}/deliveries': {
      build: () => ({ path: `/api/runs/${fx.runId}/deliveries` }),
      check: (_who, res) => expect(Array.isArray(res.body.items)).toBe(true),
    },
    'POST /api/deliveries/{id}/resend': {
      // Only the run's owner (the admin started fx.runId) or an administrator; to every other reader it does not exist.
      // The row is what a worker killed mid-send leaves (channels-crash.test.ts makes one for real), to a local receiver.
      build: async () => {
        const name = `Resend connection ${rand()}`;
        const c = await stack.api.post('/api/connections', {
          kind: 'slack',
          name,
          departmentId: fx.alphaId,
          secrets: { url: slack.webhookUrl },
        });
        const { rows } = await stack.server.db.pool.query<{ id: string }>(
          `insert into deliveries (idempotency_key, connection_id, channel, run_id, node_id, recipient, status, attempts, message, error)
           values ($1, $2, 'slack', $3, 'send', 'channel', 'unconfirmed', 1, $4, 'Unconfirmed: the worker stopped') returning id`,
          [
            `matrix/${rand()}`,
            c.body.id,
            `run-${fx.runId}`,
            JSON.stringify({ kind: 'channel', message: { text: 'resent by the matrix' } }),
          ],
        );
        const id = rows[0]!.id;
        return { path: `/api/deliveries/${id}/resend`, effect: (e) => e.action === 'delivery.resent' && e.entityId === id };
      },
      check: (_who, res) => expect(res.body.status).toBe('sent'),
    },
    'DELETE /api/connections/{id}': {
      build: async () => {
        const name = `Doomed connection ${rand()}`;
        const r = await stack.api.post('/api/connections', {
          kind: 'slack',
          name,
          departmentId: fx.alphaId,
          secrets: { url: 'https://hooks.slack.com/services/T/B/y' },
        });
        return {
          method: 'DELETE',
          path: `/api/connections/${r.body.id}`,
          secrets: [name],
          effect: (e) => e.action === 'connection.deleted' && e.entityId === r.body.id,
        };
      },
    },
    'GET /api/campaigns/{id}': {
      build: () => ({ path: `/api/campaigns/${fx.campaignId}` }),
      check: (_who, res) => expect(res.body.name).toBe(fx.campaignName),
    },
    'PUT /api/campaigns/{id}': {
      build: (_who, mark) => ({
        method: 'PUT',
        path: `/api/campaigns/${fx.campaignId}`,
        body: { name: fx.campaignName, channels: [{ name: mark }] },
        effect: marked(mark),
      }),
    },
    'POST /api/campaigns/{id}/metrics': {
      build: async (who) => ({
        path: `/api/campaigns/${fx.campaignId}/metrics`,
        body: { points: [{ ts: '2026-05-20T00:00:00Z', channel: 'sms', metric: 'clicks', value: 1 }] },
        ...(people[who] ? { token: await ingestToken(who) } : {}),
      }),
      check: (_who, res) => expect(res.body).toMatchObject({ accepted: 1, rejected: 0 }),
    },
    'GET /api/campaigns/{id}/metrics': {
      build: () => ({ path: `/api/campaigns/${fx.campaignId}/metrics?bucket=1h` }),
      check: (_who, res) => expect(res.body.bucket).toBe('1h'),
    },
    'GET /api/campaigns/{id}/review': {
      build: () => ({ path: `/api/campaigns/${fx.campaignId}/review` }),
      check: (_who, res) => expect(res.body.format).toBe(1),
    },
    'GET /api/campaigns/{id}/review.csv': {
      build: () => ({ path: `/api/campaigns/${fx.campaignId}/review.csv` }),
    },
    'GET /api/campaigns/{id}/review.pdf': {
      build: () => ({ path: `/api/campaigns/${fx.campaignId}/review.pdf?lang=en` }),
    },
    'POST /api/campaigns/{id}/review': {
      build: () => ({ path: `/api/campaigns/${fx.campaignId}/review` }),
      check: (_who, res) => expect(res.body.stored.trigger).toBe('person'),
    },
    'GET /api/campaigns/{id}/reviews': {
      build: () => ({ path: `/api/campaigns/${fx.campaignId}/reviews` }),
      check: (_who, res) => expect(Array.isArray(res.body.versions)).toBe(true),
    },
    'GET /api/campaigns/{id}/reviews/compare': {
      // Version 1 exists once any GET of the review has run; comparing it with itself changes nothing.
      build: async () => {
        await stack.api.get(`/api/campaigns/${fx.campaignId}/review`);
        return { path: `/api/campaigns/${fx.campaignId}/reviews/compare?from=1&to=1` };
      },
      check: (_who, res) => expect(res.body.changed).toEqual([]),
    },
    'GET /api/campaigns/{id}/comparison': {
      build: () => ({ path: `/api/campaigns/${fx.campaignId}/comparison` }),
      check: (_who, res) => expect(res.body.campaign.id).toBe(fx.campaignId),
    },
    'GET /api/portfolio': {
      build: () => ({ path: '/api/portfolio' }),
      check: (who, res) => (isBeta(who) ? expect(ids(res)).not.toContain(fx.campaignId) : expect(ids(res)).toContain(fx.campaignId)),
    },
    'GET /api/portfolio.csv': {
      build: () => ({ path: '/api/portfolio.csv' }),
    },
    'PUT /api/campaigns/{id}/phases': {
      // The mark (12 characters) is a phase of a fresh campaign; the audit entry that moved its dates carries it.
      build: async (_who, mark) => {
        const c = await freshCampaign([{ name: mark, startsAt: '2026-05-01T00:00:00Z', endsAt: '2026-05-08T00:00:00Z' }]);
        return {
          method: 'PUT',
          path: `/api/campaigns/${c.id}/phases`,
          body: { phases: [{ name: mark, startsAt: '2026-05-20T00:00:00Z', endsAt: '2026-05-27T00:00:00+08:00' }] },
          secrets: [c.name],
          effect: (e) => e.action === 'campaign.updated' && e.entityId === c.id && JSON.stringify(e).includes('2026-05-20'),
        };
      },
      check: (_who, res) => expect(res.body.notifiedRuns).toBe(0),
    },
    'POST /api/campaigns/{id}/status': {
      build: async () => {
        const c = await freshCampaign();
        return {
          path: `/api/campaigns/${c.id}/status`,
          body: { status: 'pending_approval' },
          secrets: [c.name],
          effect: (e) => e.action === 'campaign.status_changed' && e.entityId === c.id,
        };
      },
      check: (_who, res) => expect(res.body.status).toBe('pending_approval'),
    },
    'GET /api/approvals': {
      build: () => ({ path: '/api/approvals' }),
      check: (who, res) => {
        const tasks = (res.body.items as { taskId: string }[]).map((t) => t.taskId);
        if (who === 'approver') expect(tasks).toContain(fx.taskId);
        else expect(tasks).not.toContain(fx.taskId);
      },
    },
    'GET /api/approvals/{taskId}': {
      build: () => ({ path: `/api/approvals/${encodeURIComponent(fx.taskId)}` }),
      check: (_who, res) => expect(res.body.title).toBe(fx.approvalTitle),
    },
    'POST /api/approvals/{taskId}/decision': {
      build: (_who, mark) => ({
        path: `/api/approvals/${encodeURIComponent(fx.taskId)}/decision`,
        body: { decision: 'approve', comment: mark },
        effect: marked(mark),
      }),
      check: (_who, res) => expect(res.body.task.status).toBe('open'), // the second approver has yet to vote
    },
    'GET /api/tasks': {
      build: () => ({ path: '/api/tasks' }),
      check: (who, res) => {
        const tasks = ids(res);
        if (who === 'approver') expect(tasks).toContain(fx.workTaskId);
        else expect(tasks).not.toContain(fx.workTaskId);
      },
    },
    'GET /api/tasks/{id}': {
      build: () => ({ path: `/api/tasks/${fx.workTaskId}` }),
      check: (_who, res) => expect(res.body.title).toBe(fx.workTitle),
    },
    'POST /api/tasks/{id}/complete': {
      build: async (_who, mark) => ({
        path: `/api/tasks/${await freshWorkTask()}/complete`,
        body: { note: mark },
        effect: marked(mark),
      }),
      check: (_who, res) => expect(res.body.status).toBe('done'),
    },
    'GET /api/lessons': {
      build: () => ({ path: '/api/lessons?kpi=fixture_kpi' }),
      check: (who, res) => (isBeta(who) ? expect(ids(res)).not.toContain(fx.lessonId) : expect(ids(res)).toContain(fx.lessonId)),
    },
    'POST /api/lessons': {
      build: (_who, mark) => ({
        path: '/api/lessons',
        body: { departmentId: fx.alphaId, fact: `Lesson ${mark}`, cause: 'c', insight: 'i', action: 'a' },
        effect: (e) => e.action === 'lesson.create' && JSON.stringify(e).includes(mark),
      }),
      check: (_who, res) => expect(res.body.departmentId).toBe(fx.alphaId),
    },
    'GET /api/lessons/related': {
      build: () => ({ path: `/api/lessons/related?campaignId=${fx.campaignId}` }),
      check: (_who, res) => expect(res.body).toMatchObject({ lessons: expect.any(Array), campaigns: expect.any(Array) }),
    },
    'GET /api/lessons/{id}': {
      build: () => ({ path: `/api/lessons/${fx.lessonId}` }),
      check: (_who, res) => expect(res.body.fact).toBe(fx.lessonFact),
    },
    'PATCH /api/lessons/{id}': {
      build: async (_who, mark) => {
        const id = await freshLesson();
        return {
          method: 'PATCH',
          path: `/api/lessons/${id}`,
          body: { insight: mark },
          effect: (e) => e.action === 'lesson.update' && e.entityId === id,
        };
      },
      check: (_who, res) => expect(res.body.insight).toMatch(/^mk/),
    },
    'DELETE /api/lessons/{id}': {
      build: async () => {
        const id = await freshLesson();
        return { method: 'DELETE', path: `/api/lessons/${id}`, effect: (e) => e.action === 'lesson.delete' && e.entityId === id };
      },
    },
    'PUT /api/lessons/{id}/shared': {
      build: async () => {
        const id = await freshLesson();
        return {
          method: 'PUT',
          path: `/api/lessons/${id}/shared`,
          body: { shared: true },
          effect: (e) => e.action === 'lesson.share' && e.entityId === id,
        };
      },
      check: (_who, res) => expect(res.body.shared).toBe(true),
    },
    'GET /api/node-types': { build: () => ({ path: '/api/node-types' }) },
    'GET /api/openapi.json': { build: () => ({ path: '/api/openapi.json' }) },
    'GET /healthz': { build: () => ({ path: '/healthz' }) },
  };

  interface Result {
    route: string;
    who: Principal;
    permitted: boolean;
    status: number;
    effect?: Call['effect'];
  }
  const results: Result[] = [];

  it('the matrix lists every route in the OpenAPI document, and only those', async () => {
    const doc = await stack.api.get('/api/openapi.json');
    const documented = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops)
        .map((m) => `${m.toUpperCase()} ${path}`)
        .filter((r) => !SIGNED_NOT_TOKEN.has(r)),
    );
    expect(documented.length).toBeGreaterThan(30);
    // A new route must get a row in MATRIX (and a request in ROUTES) before this passes.
    expect(
      documented.filter((r) => !EXPECTED.has(r)),
      'routes missing from MATRIX',
    ).toEqual([]);
    expect(
      [...EXPECTED.keys()].filter((r) => !documented.includes(r)),
      'MATRIX rows for routes that do not exist',
    ).toEqual([]);
    expect(Object.keys(ROUTES).sort()).toEqual([...EXPECTED.keys()].sort());
  });

  it('every route × every caller: permitted calls succeed, refused ones get a bare 403, 404 (or 401)', async () => {
    const failures: string[] = [];
    const jobs = [...EXPECTED.entries()].flatMap(([route, row]) => PRINCIPALS.map((who) => ({ route, who, want: row[who] })));
    await pool(jobs, 8, async ({ route, who, want }) => {
      const mark = `mk${rand()}`;
      const call = await ROUTES[route]!.build(who, mark);
      const method = call.method ?? route.split(' ')[0]!;
      const res = await (call.token ? new ApiClient(stack.url, call.token) : clients[who]).call(method, call.path, call.body);
      const text = JSON.stringify(res.body) ?? '';
      results.push({ route, who, permitted: want === 'ok', status: res.status, effect: call.effect });
      try {
        if (want === 'ok') {
          expect(res.status, text.slice(0, 300)).toBeGreaterThanOrEqual(200);
          expect(res.status, text.slice(0, 300)).toBeLessThan(300);
          ROUTES[route]!.check?.(who, res);
        } else {
          expect(res.status, text.slice(0, 300)).toBe(want);
          expect(res.contentType).toContain('application/problem+json');
          expect(res.body.status).toBe(want);
          expect(Object.keys(res.body).filter((k) => !PROBLEM_KEYS.includes(k))).toEqual([]);
          if (want === 401 && who === 'bogus_token') expect(res.body.detail).toMatch(/token is not valid/);
          for (const s of [...secrets, ...(call.secrets ?? [])]) expect(text, `a refusal mentions ${s}`).not.toContain(s);
        }
        // Whatever the answer, nobody outside Alpha gets any of Alpha's data.
        if (!ALPHA_INSIDERS.includes(who)) for (const s of secrets) expect(text, `leaks ${s}`).not.toContain(s);
      } catch (err) {
        failures.push(`${route} as ${who}: want ${want}, got ${res.status}: ${(err as Error).message.split('\n')[0]}`);
      }
    });
    expect(jobs.length).toBe(EXPECTED.size * PRINCIPALS.length);
    expect(failures.sort()).toEqual([]);
  });

  it('a refused call changes nothing; a permitted one is in the audit log', async () => {
    expect(results.length, 'the matrix ran').toBe(EXPECTED.size * PRINCIPALS.length);
    const audit: AuditRow[] = [];
    for (const type of [
      'flow',
      'version',
      'run',
      'campaign',
      'approval',
      'grant',
      'user',
      'department',
      'token',
      'connection',
      'alert',
      'silence',
      'lesson',
      'task',
      'delivery',
    ]) {
      const r = await stack.api.get(`/api/audit?entityType=${type}&limit=500`);
      expect(r.body.items.length, `fewer than 500 ${type} entries, so none were cut off`).toBeLessThan(500);
      audit.push(...r.body.items);
    }
    const wrong = results
      .filter((r) => r.effect)
      .filter((r) => audit.some(r.effect!) !== (r.permitted && r.status < 300))
      .map((r) => `${r.route} as ${r.who} (${r.status}): ${r.permitted ? 'left no audit entry' : 'took effect'}`);
    expect(wrong).toEqual([]);
    // And the fixture run was not cancelled by anyone refused.
    expect((await stack.api.get(`/api/runs/${fx.runId}`)).body.status).toBe('running');
  });

  it('a department admin grants and revokes only within their department, and never admin or global roles', async () => {
    const dora = clients.department_admin;
    const target = await freshUser();
    const grants = (body: unknown) => dora.post(`/api/users/${target}/grants`, body);
    expect((await grants({ role: 'designer', departmentId: fx.alphaId })).status).toBe(201);
    expect((await grants({ role: 'department_admin', departmentId: fx.alphaId })).status).toBe(201);
    for (const body of [
      { role: 'viewer', departmentId: fx.betaId },
      { role: 'viewer', departmentId: null },
      { role: 'viewer' },
      { role: 'admin', departmentId: fx.alphaId },
      { role: 'admin', departmentId: null },
    ]) {
      const r = await grants(body);
      expect(r.status, JSON.stringify(body)).toBe(403);
      expect(r.contentType).toContain('application/problem+json');
    }
    // Revoking: a Beta grant or a global one is out of reach.
    const betaGrant = await stack.api.post(`/api/users/${target}/grants`, { role: 'viewer', departmentId: fx.betaId });
    const globalGrant = await stack.api.post(`/api/users/${target}/grants`, { role: 'viewer', departmentId: null });
    // A Beta grant is out of Dora's sight (404, as for no grant at all); a global one is visible but not hers to revoke.
    expect((await dora.del(`/api/grants/${betaGrant.body.id}`)).status).toBe(404);
    expect((await dora.del(`/api/grants/${globalGrant.body.id}`)).status).toBe(403);
    expect((await clients.beta_department_admin.del(`/api/grants/${await freshGrant()}`)).status).toBe(404);
    const after = (await stack.api.get('/api/users')).body.items.find((u: { id: string }) => u.id === target);
    expect(after.grants.map((g: { departmentId: string | null }) => g.departmentId)).toEqual(expect.arrayContaining([fx.betaId, null]));
    // Users: only into their own department.
    const user = (departmentId?: string | null) =>
      dora.post('/api/users', {
        email: `u.${rand()}@test.flightdeck`,
        name: 'New',
        password: TEST_PASSWORD,
        ...(departmentId !== undefined ? { departmentId } : {}),
      });
    expect((await user(fx.alphaId)).status).toBe(201);
    expect((await user(fx.betaId)).status).toBe(403);
    expect((await user(null)).status).toBe(403);
    expect((await user()).status).toBe(403);
  });

  it('writers cannot place new things in a department they lack', async () => {
    const dan = clients.designer;
    expect((await dan.post('/api/flows', { name: 'x', departmentId: fx.betaId })).status).toBe(403);
    expect((await dan.post('/api/campaigns', { name: 'x', departmentId: fx.betaId })).status).toBe(403);
    expect((await dan.post(`/api/templates/${fx.templateId}/flows`, { departmentId: fx.betaId })).status).toBe(403);
    expect(
      (
        await dan.post('/api/campaigns/import', {
          id: `x${rand()}`,
          name: 'x',
          department: 'Beta',
          goals: [],
          budget: { total: 1 },
          phases: [],
        })
      ).status,
    ).toBe(403);
    // A department that does not exist yet would be created: only an admin may do that.
    expect(
      (
        await dan.post('/api/campaigns/import', {
          id: `x${rand()}`,
          name: 'x',
          department: `New ${rand()}`,
          goals: [],
          budget: { total: 1 },
          phases: [],
        })
      ).status,
    ).toBe(403);
    // Omitting the department means one's own.
    const own = await dan.post('/api/flows', { name: `own ${rand()}` });
    expect(own.status).toBe(201);
    expect(own.body.departmentId).toBe(fx.alphaId);
    // Running against a campaign the caller may not read is refused.
    const betaCampaign = await stack.api.post('/api/campaigns', { name: `Beta private ${rand()}`, departmentId: fx.betaId });
    const run = await dan.post(`/api/flows/${fx.flowId}/runs`, { input: {}, campaignId: betaCampaign.body.id });
    // Dan cannot see Beta: the campaign answers as one that does not exist.
    const madeUp = await dan.post(`/api/flows/${fx.flowId}/runs`, { input: {}, campaignId: randomUUID() });
    expect(run.status).toBe(404);
    // The same problem, naming only the id the caller sent (in the detail and its params).
    expect({ ...run.body, detail: run.body.detail.replace(betaCampaign.body.id, '<id>'), params: { id: '<id>' } }).toEqual({
      ...madeUp.body,
      detail: madeUp.body.detail.replace(/[0-9a-f-]{36}/, '<id>'),
      params: { id: '<id>' },
    });
    expect([run.body.params.id, madeUp.body.params.id]).toEqual([betaCampaign.body.id, expect.any(String)]);
    expect(JSON.stringify(run.body)).not.toContain('Beta private');
    // Filters do not widen a list: a Beta outsider asking for Alpha's flow's runs gets none.
    expect((await clients.beta_viewer.get(`/api/runs?flowId=${fx.flowId}`)).body.items).toEqual([]);
  });

  it("re-importing a scenario cannot take over another department's campaign", async () => {
    const slug = `alpha-launch-${rand()}`;
    const name = `Alpha launch plan ${rand()}`;
    const scenario = (department: string, n: string) => ({
      id: slug,
      name: n,
      department,
      goals: [{ kpi: 'revenue', target: 5_000_000, unit: 'CNY' }],
      budget: { total: 1_000_000 },
      phases: [],
    });
    const original = await stack.api.post('/api/campaigns/import', scenario('Alpha', name));
    expect(original.status).toBe(201);
    // A Beta designer may write in Beta, so the route lets them in; the file's id names Alpha's campaign.
    const hijack = await clients.beta_designer.post('/api/campaigns/import', scenario('Beta', 'Hijacked'));
    expect.soft(hijack.status, JSON.stringify(hijack.body).slice(0, 200)).toBe(403);
    const after = await stack.api.get(`/api/campaigns/${original.body.id}`);
    expect.soft(after.body.departmentId, 'the campaign stays in Alpha').toBe(fx.alphaId);
    expect.soft(after.body.name, 'the campaign is not overwritten').toBe(name);
    expect
      .soft((await clients.beta_designer.get(`/api/campaigns/${original.body.id}`)).status, 'the outsider cannot read it afterwards')
      .toBe(404);
    // The overwrite's audit entry (a Beta entry) carries the whole Alpha campaign as "before".
    const betaAudit = await clients.beta_analyst.get('/api/audit?entityType=campaign&limit=500');
    expect.soft(JSON.stringify(betaAudit.body), "Beta's audit log shows nothing of Alpha's campaign").not.toContain(name);
  });

  it("existence stays private: every route with an id answers a Beta designer alike for Alpha's real id and a made-up one", async () => {
    const idRoutes = [...EXPECTED.keys()].filter((r) => r.includes('{'));
    expect(idRoutes.length).toBeGreaterThan(20);
    const failures: string[] = [];
    await pool(idRoutes, 4, async (route) => {
      const call = await ROUTES[route]!.build('beta_designer', `mk${rand()}`);
      const method = call.method ?? route.split(' ')[0]!;
      // The id is the path segment where the route has its {parameter}.
      const at = route
        .split(' ')[1]!
        .split('/')
        .findIndex((seg) => seg.startsWith('{'));
      const segments = call.path.split('/');
      const realId = decodeURIComponent(segments[at]!);
      const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
      const fakeId = uuid.test(realId) ? realId.replace(uuid, randomUUID()) : `${realId}-${rand()}`;
      const made = [...segments.slice(0, at), encodeURIComponent(fakeId), ...segments.slice(at + 1)].join('/');
      expect(made, route).not.toBe(call.path);
      const [real, fake] = [
        await clients.beta_designer.call(method, call.path, call.body),
        await clients.beta_designer.call(method, made, call.body),
      ];
      // The problem text may repeat the id the caller sent; nothing else may differ.
      const shape = (res: ApiResponse, id: string) => ({
        status: res.status,
        contentType: res.contentType,
        body: (JSON.stringify(res.body) ?? '').replaceAll(id, '<id>'),
      });
      const [x, y] = [shape(real, realId), shape(fake, fakeId)];
      if (JSON.stringify(x) !== JSON.stringify(y))
        failures.push(`${route}: real ${JSON.stringify(x).slice(0, 240)} vs made-up ${JSON.stringify(y).slice(0, 240)}`);
      if (real.status < 400) failures.push(`${route}: the outsider was let in (${real.status})`);
    });
    expect(failures).toEqual([]);
  });

  it('CSRF: a signed-in browser session must send the token with every change', async () => {
    const login = await fetch(`${stack.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: people.designer.email, password: TEST_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    expect(cookie).toMatch(/^fd_session=/);
    const send = (method: string, path: string, body?: unknown, csrf?: string) =>
      fetch(`${stack.url}${path}`, {
        method,
        headers: {
          cookie,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(csrf !== undefined ? { 'x-csrf-token': csrf } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });

    const me = await send('GET', '/api/auth/me');
    expect(me.status).toBe(200);
    expect(((await me.json()) as { csrfToken: string }).csrfToken).toBe(csrfToken);

    const name = `csrf ${rand()}`;
    for (const csrf of [undefined, '', 'not-the-token', csrfToken.slice(0, -1)]) {
      const refused = await send('POST', '/api/flows', { name }, csrf);
      expect(refused.status, `x-csrf-token: ${csrf}`).toBe(403);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(((await refused.json()) as { title: string }).title).toBe('CSRF check failed');
    }
    expect((await send('PUT', `/api/flows/${fx.flowId}`, { description: 'csrf' })).status).toBe(403);
    expect((await send('POST', `/api/runs/${fx.runId}/cancel`)).status).toBe(403);
    expect((await send('POST', '/api/auth/logout')).status).toBe(403);
    const listed = (await stack.api.get('/api/flows')).body.items.map((f: { name: string }) => f.name);
    expect(listed).not.toContain(name);

    const ok = await send('POST', '/api/flows', { name }, csrfToken);
    expect(ok.status).toBe(201);
    // Another session's token does not do.
    const other = await clients.designer.post('/api/auth/login', { email: people.designer.email, password: TEST_PASSWORD });
    expect(other.body.csrfToken).not.toBe(csrfToken);
    expect((await send('POST', '/api/flows', { name: 'x' }, other.body.csrfToken)).status).toBe(403);
    // Signing out ends the session.
    expect((await send('POST', '/api/auth/logout', undefined, csrfToken)).status).toBe(204);
    expect((await send('GET', '/api/auth/me')).status).toBe(401);
  });
});
