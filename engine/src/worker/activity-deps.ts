import { createMailer, guardFromEnv, type ActivityDeps, type OutboundGuard } from '@flightdeck/activities';
import type { Database } from '../db/client.ts';
import { Directory } from '../services/directory.ts';
import { mirrorApprovalTask } from '../services/approvals.ts';
import { linkSigner } from '../auth/links.ts';
import { CampaignService, type CampaignStatus } from '../services/campaigns.ts';
import { ConnectionService, type NotifyRun } from '../services/connections.ts';
import { deliveryLedger } from '../services/deliveries.ts';
import { secretBox } from '../auth/encryption.ts';
import { runs } from '../db/schema.ts';
import { AlertService } from '../services/alerts.ts';
import { MonitorService } from '../services/monitors.ts';
import { alertAckLinker, chatAckLinker } from '../auth/links.ts';
import { FlowService } from '../services/flows.ts';
import { PeopleService } from '../services/people.ts';
import { SubflowService } from '../services/subflows.ts';
import { WorkTaskStore } from '../services/work-task-store.ts';
import { ReviewService } from '../services/reviews.ts';
import { MetricsService } from '../services/metrics.ts';

/** E-mail links stay valid this long; the task's due time usually comes first. */
export const LINK_TTL_SECONDS = 7 * 86_400;

export interface ActivityDepsOptions {
  db: Database;
  secret: string;
  /** Opens channel secrets; the same key the API seals them with. */
  encryptionKey: Buffer;
  publicUrl: string;
  smtpUrl?: string;
  mailFrom?: string;
  log?: (line: string) => void;
  /** Signals a run (a resumed channel); without it, held runs find out at their next hourly check. */
  notifyRun?: NotifyRun;
  /**
   * Where webhook nodes, channel sends and e-mail connections may connect. Without it, the
   * `FLIGHTDECK_OUTBOUND_ALLOW` of the environment (by default: public addresses only).
   */
  outbound?: OutboundGuard;
  /** The clock quiet hours are read on (default: the worker's); the tests' controlled clock. */
  quietHoursClock?: () => number;
}

/** The server-side pieces the activities call: the directory, the inbox mirror, the link signer and the mailer. */
export function buildActivityDeps(opts: ActivityDepsOptions): ActivityDeps {
  const directory = new Directory(opts.db);
  const signer = linkSigner(opts.secret);
  const base = opts.publicUrl.replace(/\/$/, '');
  const mailer = createMailer({ smtpUrl: opts.smtpUrl, from: opts.mailFrom, log: opts.log });
  const campaigns = new CampaignService(opts.db);
  const outbound = opts.outbound ?? guardFromEnv();
  const connections = new ConnectionService(opts.db, secretBox(opts.encryptionKey), opts.notifyRun, outbound);
  const monitors = new MonitorService({
    db: opts.db,
    alerts: new AlertService(opts.db, undefined, opts.notifyRun),
    campaigns,
    signal: opts.notifyRun,
    links: {
      page: (alertId) => `${base}/#/alerts/${alertId}`,
      ack: alertAckLinker(opts.secret, opts.publicUrl),
      chatAck: chatAckLinker(opts.secret, opts.publicUrl),
    },
  });
  const subflows = new SubflowService(opts.db, new FlowService(opts.db), new PeopleService(opts.db));
  const workTasks = new WorkTaskStore(opts.db, directory);
  const reviews = new ReviewService(opts.db, campaigns);
  const metrics = new MetricsService(opts.db);
  return {
    outbound,
    workTasks: { open: (req) => workTasks.open(req), read: (ids) => workTasks.read(ids), close: (req) => workTasks.close(req) },
    // A refusal (campaign gone, no more versions) leaves as a final failure through DomainErrorsAreFinal.
    storeReview: (req) => reviews.storeForFlow(req),
    sumMetrics: (req) => metrics.sumPerChannel(req.campaignId, req.from, req.to),
    prepareSubflow: (req) => subflows.prepare(req),
    monitors: {
      attach: (req) => monitors.attach(req),
      check: (req) => monitors.check(req),
      detach: (id) => monitors.detach(id),
      readAlert: (req) => monitors.readAlert(req),
      recordEvent: (req) => monitors.recordEvent(req),
    },
    ...(opts.quietHoursClock ? { quietHoursClock: opts.quietHoursClock } : {}),
    registerRun: async (req) => {
      await opts.db
        .insert(runs)
        .values({
          flowId: req.flowId,
          versionId: req.versionId,
          version: req.version,
          workflowId: req.workflowId,
          temporalRunId: req.temporalRunId,
          input: req.input,
        })
        .onConflictDoNothing({ target: runs.workflowId });
    },
    deliveries: deliveryLedger(opts.db, connections, mailer, outbound),
    launchCampaign: (req) => campaigns.launch(req.campaignId, { runId: req.runId, nodeId: req.nodeId }),
    campaignPhases: async (campaignId) => (await campaigns.get(campaignId)).phases,
    setChannelPaused: async (req) => {
      const { connection, resumedRuns } = await connections.setPaused(null, req.connectionId, req.paused, req.reason, {
        runId: req.runId,
        nodeId: req.nodeId,
      });
      return { paused: connection.paused, resumedRuns };
    },
    setCampaignStatus: async (req) => {
      await campaigns.setStatus(null, req.campaignId, req.status as CampaignStatus);
    },
    approvals: {
      resolvePeople: (req) => directory.resolve(req),
      mirrorTask: (view) => mirrorApprovalTask(opts.db, view),
      decisionLink: async (taskId, userId, decision) =>
        `${base}/approve?token=${await signer.sign({ taskId, userId, decision }, LINK_TTL_SECONDS)}`,
      inboxUrl: `${base}/#/inbox`,
      mailer,
    },
  };
}
