import { signalNotice } from '../temporal/client.ts';
import type { OutboundGuard } from '@flightdeck/activities';
import { NotificationService } from '../services/notifications.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { alertRoutes } from './routes/alerts.ts';
import { AlertService } from '../services/alerts.ts';
import { MonitorService } from '../services/monitors.ts';
import express, { type Express } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { FLOW_LIMITS } from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { FlowService } from '../services/flows.ts';
import { RunService } from '../services/runs.ts';
import { CampaignService } from '../services/campaigns.ts';
import { PeopleService } from '../services/people.ts';
import { ApprovalService } from '../services/approvals.ts';
import { linkSigner } from '../auth/links.ts';
import { HookGuard, HOOK_LIMITS, type Clock } from '../auth/throttle.ts';
import { authenticate } from './authenticate.ts';
import { peopleRoutes } from './routes/people.ts';
import { campaignRoutes } from './routes/campaigns.ts';
import { approvalRoutes } from './routes/approvals.ts';
import { connectionRoutes } from './routes/connections.ts';
import { deliveryRoutes } from './routes/deliveries.ts';
import { DeliveryResendService } from '../services/delivery-resend.ts';
import { hookSecretRoute, inboundHookContract, inboundHookRoute } from './routes/hooks.ts';
import { HookAdmission, type HookAdmissionLimits } from './hook-admission.ts';
import { HookService } from '../services/hooks.ts';
import { ScheduleService } from '../services/schedules.ts';
import { ConnectionService } from '../services/connections.ts';
import { secretBox } from '../auth/encryption.ts';
import { buildOpenApi } from './openapi.ts';
import { HttpProblem, problemHandler, sendProblem } from './problem.ts';
import { CHECK_RESPONSES, type RouteRegistry } from './route.ts';
import { flowRoutes } from './routes/flows.ts';
import { runRoutes } from './routes/runs.ts';
import type { RunChangeFeed } from '../services/run-changes.ts';
import { RunStreamAdmission, type RunStreamLimits } from './run-stream-admission.ts';
import { systemRoutes } from './routes/system.ts';
import { metricsBodyParser, metricsRoutes } from './routes/metrics.ts';
import { MetricsService, type AfterInsert } from '../services/metrics.ts';
import { installSecurityHeaders } from './security-headers.ts';
import { editorAssets } from './editor-assets.ts';
import { reviewRoutes } from './routes/reviews.ts';
import { portfolioRoutes } from './routes/portfolio.ts';
import { PortfolioService } from '../services/portfolio.ts';
import { ReviewService } from '../services/reviews.ts';
import { ReviewPdfRenderer } from '../services/review-pdf.ts';
import { lessonRoutes } from './routes/lessons.ts';
import { workTaskRoutes } from './routes/work-tasks.ts';
import { WorkTaskService } from '../services/work-tasks.ts';
import { LessonService } from '../services/lessons.ts';
import { RelatedLessonsService } from '../services/lessons-related.ts';
import { said } from '@flightdeck/workflows';

export interface AppDeps {
  db: Database;
  /** The server's own mailer (SMTP_URL, MAIL_FROM): a resend of e-mail sent without a connection goes through it. */
  mail?: { smtpUrl?: string; from?: string };
  temporal: () => Client;
  /** A client on the connection of a worker in this process: runs start through it eagerly (server/local-worker.ts). */
  starter?: () => Client | undefined;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** The Temporal web UI the run page links to; no link without it. */
  temporalUiUrl?: string;
  log: Logger;
  /** The built editor (editor/dist); served at / when present, and printed for review PDFs. */
  editorDist?: string;
  /** Chromium for review PDFs; default CHROMIUM_PATH, then /usr/bin/chromium. */
  chromiumPath?: string;
  /** Signs e-mail approval links (shared with the worker). */
  secret: string;
  /** Seals channel secrets at rest (AES-256-GCM). */
  encryptionKey: Buffer;
  /** For sign-in and hook limits and token expiry; tests move it instead of sleeping. */
  clock?: Clock;
  /** The hook endpoint's per-IP limits; only the benchmarks raise them, for their own loopback sender. */
  hookLimits?: typeof HOOK_LIMITS;
  /** The hook endpoint's backpressure bounds (hook-admission.ts); tests lower them, or pass the gate to watch it. */
  hookAdmission?: HookAdmissionLimits | HookAdmission;
  /** Where a connection's "send test message" may go; default: FLIGHTDECK_OUTBOUND_ALLOW of the environment. */
  outbound?: OutboundGuard;
  /** Check every answer against its route's declared schema (the tests do): drift becomes a 500 that names it. */
  checkResponses?: boolean;
  /** Wakes the run view's streams when a run changes (LISTEN/NOTIFY, so the worker's changes arrive too). */
  runChanges: RunChangeFeed;
  /** Bounds on open run streams (run-stream-admission.ts); tests lower them. */
  runStreams?: RunStreamLimits;
  decisionDeadlineMs?: number;
  /** Runs inside each metrics batch's transaction after its points are written (the monitor's seam); default none. */
  afterMetricsInsert?: AfterInsert;
}

export interface AppServices {
  flows: FlowService;
  runs: RunService;
  campaigns: CampaignService;
  people: PeopleService;
  approvals: ApprovalService;
  connections: ConnectionService;
  alerts: AlertService;
  metrics: MetricsService;
  lessons: LessonService;
  /** Its browser is closed with the server. */
  reviewPdf: ReviewPdfRenderer;
  runStreams: RunStreamAdmission;
}

export function createApp(deps: AppDeps): { app: Express; registry: RouteRegistry } & AppServices {
  const app = express();
  app.disable('x-powered-by');
  installSecurityHeaders(app);
  app.set('query parser', 'simple');
  const box = secretBox(deps.encryptionKey);
  const flows = new FlowService(deps.db);
  const campaigns = new CampaignService(deps.db, signalNotice(deps.temporal));
  const runs = new RunService({
    db: deps.db,
    temporal: deps.temporal,
    starter: deps.starter,
    taskQueue: deps.taskQueue,
    flows,
    campaigns,
    ...(deps.temporalUiUrl ? { temporalUi: { baseUrl: deps.temporalUiUrl, namespace: deps.namespace } } : {}),
  });
  const hooks = new HookService(deps.db, box, runs, flows);
  app.use(
    inboundHookRoute(
      hooks,
      new HookGuard(deps.clock, deps.hookLimits),
      deps.hookAdmission instanceof HookAdmission ? deps.hookAdmission : new HookAdmission(deps.hookAdmission),
    ),
  );
  const people = new PeopleService(deps.db, deps.clock);
  // Before the body is read, so a refusal of the body (413, 415) is worded in the caller's language too.
  app.use(authenticate(people));
  app.use(metricsBodyParser());
  app.use(express.json({ limit: FLOW_LIMITS.documentBytes, strict: true, type: ['application/json', 'application/*+json'] }));

  const registry: RouteRegistry = [];
  app.set(CHECK_RESPONSES, deps.checkResponses === true);
  const approvals = new ApprovalService(deps.db, deps.temporal, campaigns, runs, deps.decisionDeadlineMs);
  const connections = new ConnectionService(deps.db, box, signalNotice(deps.temporal), deps.outbound);
  const alerts = new AlertService(deps.db, deps.clock, signalNotice(deps.temporal));
  // Rules are judged where the points land, in their transaction; the run hears only of a change of state.
  const monitors = new MonitorService({ db: deps.db, alerts, campaigns, signal: signalNotice(deps.temporal), clock: deps.clock });
  const metrics = new MetricsService(deps.db, {
    afterInsert: deps.afterMetricsInsert ?? ((tx, campaignId, affected) => monitors.afterPointsStored(tx, campaignId, affected)),
  });
  let openapi: ReturnType<typeof buildOpenApi> | undefined;
  app.use(peopleRoutes(registry, people, deps.db));
  app.use(flowRoutes(registry, flows, new ScheduleService(deps.db, deps.temporal, deps.taskQueue)));
  const runStreams = new RunStreamAdmission(deps.runStreams);
  app.use(
    runRoutes(registry, runs, flows, campaigns, {
      feed: deps.runChanges,
      admission: runStreams,
      heartbeatMs: deps.runStreams?.heartbeatMs,
    }),
  );
  app.use(campaignRoutes(registry, campaigns, people));
  app.use(metricsRoutes(registry, metrics));
  const reviews = new ReviewService(deps.db, campaigns, deps.clock);
  const reviewPdf = new ReviewPdfRenderer({ editorDist: deps.editorDist ?? '', chromiumPath: deps.chromiumPath });
  app.use(reviewRoutes(registry, reviews, metrics, reviewPdf));
  const portfolio = new PortfolioService(deps.db, campaigns, deps.clock);
  app.use(portfolioRoutes(registry, portfolio, metrics));
  const lessons = new LessonService(deps.db);
  app.use(lessonRoutes(registry, lessons, new RelatedLessonsService(lessons, campaigns, portfolio)));
  const links = linkSigner(deps.secret);
  app.use(approvalRoutes(registry, approvals, people, links));
  app.use(workTaskRoutes(registry, new WorkTaskService(deps.db, lessons, runs, signalNotice(deps.temporal), deps.log)));
  app.use(alertRoutes(registry, alerts, campaigns, people, links));
  app.use(connectionRoutes(registry, connections));
  app.use(deliveryRoutes(registry, new DeliveryResendService(deps.db, connections, deps.outbound, deps.mail)));
  app.use(notificationRoutes(registry, new NotificationService(deps.db)));
  app.use(hookSecretRoute(registry, hooks, flows));
  app.use(
    systemRoutes(
      registry,
      deps,
      () => (openapi ??= buildOpenApi([...registry, inboundHookContract], { title: 'Flightdeck API', version: '0.1.0' })),
    ),
  );

  app.use('/api', (req, res) =>
    sendProblem(res, new HttpProblem(404, 'Not found', said('no_route', { method: req.method, path: req.originalUrl }))),
  );
  if (deps.editorDist && existsSync(join(deps.editorDist, 'index.html'))) {
    app.use(editorAssets(deps.editorDist));
  }
  app.use(problemHandler(deps.log));
  return { app, registry, runs, flows, campaigns, people, approvals, connections, alerts, metrics, lessons, reviewPdf, runStreams };
}
