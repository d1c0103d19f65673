import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FlowDocument, JsonValue, MetricPoint } from '@flightdeck/workflows';
import {
  buildTimeline,
  checkAnomaly,
  compareSummaries,
  DEFAULT_APPROVAL,
  DEFAULT_TASK,
  DEFAULT_WEBHOOK,
  injectAnomaly,
  nodesReachedBy,
  scenarioPoints,
  simulateWhatIf,
  summarise,
  WhatIfInputError,
  type ApprovalResponse,
  type ScriptedResponses,
  type TaskResponse,
  type TimelineEntry,
  type WhatIfOptions,
  type WhatIfSummary,
  type WebhookResponseCode,
} from '@flightdeck/workflows/whatif';
import { api } from '../api/client.ts';
import { useCampaigns } from '../api/queries.ts';
import { useOptionalAuth } from '../auth/AuthProvider.tsx';
import { useErrorText } from '../components/errorText.ts';
import { useLocale } from '../i18n/index.ts';
import { campaignSnapshot } from './RunDialog.tsx';
import { WhatIfCompare } from './WhatIfCompare.tsx';

/**
 * What-if: the draft run in the browser, on virtual time, against a campaign's stored metrics or
 * a scenario file (optionally with an injected anomaly), with scripted answers for the human and
 * outside steps. Nothing is sent. Loaded on demand, so the editor's first load does not carry it.
 */
export interface WhatIfPanelProps {
  doc: FlowDocument;
  /** Closed, the panel stays mounted and hidden, so its last result is there to compare with when it opens again. */
  visible: boolean;
  onReached: (reached: ReadonlySet<string> | null) => void;
  onClose: () => void;
}

type ApprovalChoice = 'approve' | 'reject' | 'none';
type TaskChoice = 'done' | 'none';
/** Hours typed in a form: 0 to a year, else the default. */
const hoursOf = (text: string, fallback: number) => {
  const hours = Number(text);
  return text.trim() !== '' && Number.isFinite(hours) && hours >= 0 && hours <= 8760 ? hours : fallback;
};
/** Nodes whose work tasks a what-if scripts: a person's task, and a review's lesson tasks. */
const hasTasks = (n: FlowDocument['nodes'][number]) => n.type === 'human.task' || (n.type === 'campaign.review' && !!n.config.lessons);
/** Timeline lines drawn at most: a run looping on a busy monitor can make thousands; the summary counts them all. */
const SHOWN_ENTRIES = 2000;
export interface Outcome {
  timeline: TimelineEntry[];
  summary: WhatIfSummary;
  startAt: number;
  endAt: number;
  issues: string[];
  timeZone: string;
}

/** A campaign for a scenario file with none chosen: UTC, running as long as the file, with a stand-in owner. */
const fileCampaign: WhatIfOptions['campaign'] = {
  timezone: 'UTC',
  owner: { id: 'simulated-owner', name: 'Campaign owner', email: 'owner@example.invalid' },
};

export default function WhatIfPanel(props: WhatIfPanelProps) {
  const { t } = useTranslation();
  const locale = useLocale();
  const errorText = useErrorText();
  const auth = useOptionalAuth();
  const campaigns = useCampaigns();
  const [source, setSource] = useState<'campaign' | 'file'>('file');
  const [campaignId, setCampaignId] = useState('');
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [anomalyOn, setAnomalyOn] = useState(false);
  const [anomaly, setAnomaly] = useState({ channel: '*', metric: 'negative_mentions', factor: '10', from: '', to: '' });
  const [approvals, setApprovals] = useState<Record<string, { choice: ApprovalChoice; hours: string }>>({});
  const [webhooks, setWebhooks] = useState<Record<string, WebhookResponseCode>>({});
  const [tasks, setTasks] = useState<Record<string, { choice: TaskChoice; hours: string }>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  // The result before the last one: what the compare view sets the last one against.
  const [previous, setPrevious] = useState<Outcome | null>(null);
  const [scrub, setScrub] = useState(0);
  const [open, setOpen] = useState<number | null>(null);

  const approvalNodes = props.doc.nodes.filter((n) => n.type === 'approval.request');
  const webhookNodes = props.doc.nodes.filter((n) => n.type === 'channel.webhook');
  const taskNodes = props.doc.nodes.filter(hasTasks);
  const types = useMemo(() => Object.fromEntries(props.doc.nodes.map((n) => [n.id, n.type])), [props.doc]);
  const campaign = campaigns.data?.find((c) => c.id === campaignId);
  // The result's own zone: the campaign it was simulated against, whatever is picked since.
  const timeZone = outcome?.timeZone ?? 'UTC';
  const when = useMemo(
    () =>
      new Intl.DateTimeFormat(locale, { timeZone, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
    [locale, timeZone],
  );

  const responses = (): ScriptedResponses => ({
    approvals: Object.fromEntries(
      approvalNodes.map((n) => {
        const a = approvals[n.id];
        if (!a) return [n.id, DEFAULT_APPROVAL];
        const r: ApprovalResponse = a.choice === 'none' ? { kind: 'none' } : { kind: a.choice, afterHours: hoursOf(a.hours, 3) };
        return [n.id, r];
      }),
    ),
    tasks: Object.fromEntries(
      taskNodes.map((n) => {
        const a = tasks[n.id];
        const r: TaskResponse = !a
          ? DEFAULT_TASK
          : a.choice === 'none'
            ? { kind: 'none' }
            : { kind: 'done', afterHours: hoursOf(a.hours, 3) };
        return [n.id, r];
      }),
    ),
    webhooks: Object.fromEntries(webhookNodes.map((n) => [n.id, webhooks[n.id] ?? DEFAULT_WEBHOOK])),
  });

  const pointsFor = async (): Promise<MetricPoint[]> => {
    if (source === 'file') {
      if (!file) throw new WhatIfInputError('file', t('whatIf.noFile'));
      return scenarioPoints(file.text);
    }
    if (!campaignId) throw new WhatIfInputError('campaign', t('whatIf.noCampaign'));
    const answer = await api.getCampaignMetrics(campaignId);
    return answer.items
      .map((p) => ({ ts: p.ts, channel: p.channel, metric: p.metric, value: p.value }))
      .sort((a, b) => (a.ts < b.ts ? -1 : 1));
  };

  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      let points = await pointsFor();
      if (anomalyOn) points = injectAnomaly(points, checkAnomaly(anomaly));
      const snapshot = campaign ? (campaignSnapshot(campaign, auth?.user) as unknown as WhatIfOptions['campaign']) : fileCampaign;
      const result = await simulateWhatIf(props.doc, { campaign: snapshot, points, responses: responses() });
      const timeline = buildTimeline(result, types);
      const endAt = result.startAt + result.simulation.virtualMs;
      const issues = (result.simulation.issues ?? []).map((i) => i.message);
      setPrevious(outcome);
      setOutcome({
        timeline,
        summary: summarise(result, timeline),
        startAt: result.startAt,
        endAt,
        issues,
        timeZone: campaign?.timezone ?? 'UTC',
      });
      setScrub(endAt);
      props.onReached(nodesReachedBy(timeline, endAt));
    } catch (e) {
      setOutcome(null);
      props.onReached(null);
      setError(e instanceof WhatIfInputError ? e.message : errorText(e));
    } finally {
      setBusy(false);
    }
  };

  // Shown again after being closed: the canvas lights the path of the result it kept.
  useEffect(() => {
    if (props.visible && outcome) props.onReached(nodesReachedBy(outcome.timeline, scrub));
    // Only on opening: a new result or a scrub tells the canvas itself.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.visible]);

  const onScrub = (at: number) => {
    setScrub(at);
    if (outcome) props.onReached(nodesReachedBy(outcome.timeline, at));
  };

  const summaryLine = (s: WhatIfSummary) => {
    const parts = [t('whatIf.sum.alerts', { count: s.alerts })];
    if (s.repeats) parts.push(t('whatIf.sum.repeats', { count: s.repeats }));
    for (const [level, count] of Object.entries(s.escalationsByLevel)) parts.push(t('whatIf.sum.escalations', { count, level }));
    if (s.launchAt !== null) parts.push(t('whatIf.sum.launch', { at: when.format(s.launchAt) }));
    parts.push(t('whatIf.sum.messages', { count: s.messages }));
    if (s.approvals.approved + s.approvals.rejected + s.approvals.timedOut)
      parts.push(
        t('whatIf.sum.approvals', { approved: s.approvals.approved, rejected: s.approvals.rejected, timedOut: s.approvals.timedOut }),
      );
    return parts.join(t('whatIf.sum.separator'));
  };

  const label = (id: string) => props.doc.nodes.find((n) => n.id === id)?.label || id;

  return (
    <aside className="fd-inspector fd-whatif" data-testid="whatif-panel" aria-label={t('whatIf.title')} hidden={!props.visible}>
      <div className="fd-whatif__head">
        <h2>{t('whatIf.title')}</h2>
        <button
          type="button"
          className="fd-btn"
          onClick={() => {
            props.onReached(null);
            props.onClose();
          }}
        >
          {t('common.close')}
        </button>
      </div>
      <p className="fd-muted">{t('whatIf.intro')}</p>

      <fieldset className="fd-field">
        <legend className="fd-field__label">{t('whatIf.source')}</legend>
        <label className="fd-check">
          <input type="radio" name="whatif-source" checked={source === 'file'} onChange={() => setSource('file')} />{' '}
          {t('whatIf.sourceFile')}
        </label>
        <label className="fd-check">
          <input type="radio" name="whatif-source" checked={source === 'campaign'} onChange={() => setSource('campaign')} />{' '}
          {t('whatIf.sourceCampaign')}
        </label>
      </fieldset>
      <div className="fd-field">
        <label className="fd-field__label" htmlFor="whatif-campaign">
          {t('whatIf.campaign')}
        </label>
        <select id="whatif-campaign" className="fd-input" value={campaignId} onChange={(e) => setCampaignId(e.target.value)}>
          <option value="">{t('whatIf.noCampaignOption')}</option>
          {(campaigns.data ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      {source === 'file' && (
        <div className="fd-field">
          <label className="fd-field__label" htmlFor="whatif-file">
            {t('whatIf.file')}
          </label>
          <input
            id="whatif-file"
            data-testid="whatif-file"
            type="file"
            accept=".csv,text/csv"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              setFile(f ? { name: f.name, text: await f.text() } : null);
            }}
          />
          <p className="fd-field__help">{file ? t('whatIf.fileChosen', { name: file.name }) : t('whatIf.fileHelp')}</p>
        </div>
      )}

      <label className="fd-check">
        <input type="checkbox" data-testid="whatif-anomaly" checked={anomalyOn} onChange={(e) => setAnomalyOn(e.target.checked)} />{' '}
        {t('whatIf.anomaly')}
      </label>
      {anomalyOn && (
        <div className="fd-whatif__grid">
          {(['channel', 'metric', 'factor', 'from', 'to'] as const).map((f) => (
            <label key={f} className="fd-field">
              <span className="fd-field__label">{t(`whatIf.anomalyField.${f}`)}</span>
              <input
                className="fd-input"
                data-testid={`whatif-anomaly-${f}`}
                value={anomaly[f]}
                placeholder={f === 'from' || f === 'to' ? '2026-06-01T00:00:00Z' : undefined}
                onChange={(e) => setAnomaly({ ...anomaly, [f]: e.target.value })}
              />
            </label>
          ))}
        </div>
      )}

      {approvalNodes.length + webhookNodes.length + taskNodes.length > 0 && <h3 className="fd-whatif__sub">{t('whatIf.responses')}</h3>}
      {approvalNodes.map((n) => {
        const a = approvals[n.id] ?? { choice: 'approve' as ApprovalChoice, hours: '3' };
        return (
          <ScriptedAnswer
            key={n.id}
            testId={`whatif-approval-${n.id}`}
            label={label(n.id)}
            answer={a}
            choices={[
              ['approve', t('whatIf.approve')],
              ['reject', t('whatIf.reject')],
              ['none', t('whatIf.noAnswer')],
            ]}
            onChange={(next) => setApprovals({ ...approvals, [n.id]: { ...a, ...next } as typeof a })}
          />
        );
      })}
      {taskNodes.map((n) => {
        const a = tasks[n.id] ?? { choice: 'done' as TaskChoice, hours: '3' };
        return (
          <ScriptedAnswer
            key={n.id}
            testId={`whatif-task-${n.id}`}
            label={label(n.id)}
            answer={a}
            choices={[
              ['done', n.type === 'campaign.review' ? t('whatIf.lessonsDone') : t('whatIf.taskDone')],
              ['none', t('whatIf.noAnswer')],
            ]}
            onChange={(next) => setTasks({ ...tasks, [n.id]: { ...a, ...next } as typeof a })}
          />
        );
      })}
      {webhookNodes.map((n) => (
        <div key={n.id} className="fd-whatif__response" data-testid={`whatif-webhook-${n.id}`}>
          <span>{label(n.id)}</span>
          <select
            className="fd-input"
            value={webhooks[n.id] ?? DEFAULT_WEBHOOK}
            onChange={(e) => setWebhooks({ ...webhooks, [n.id]: Number(e.target.value) as WebhookResponseCode })}
          >
            <option value={200}>200</option>
            <option value={500}>500</option>
          </select>
        </div>
      ))}

      <button type="button" className="fd-btn fd-btn--primary" data-testid="whatif-run" disabled={busy} onClick={() => void run()}>
        {busy ? t('whatIf.running') : t('whatIf.run')}
      </button>
      {error && (
        <p className="fd-error-text" role="alert" data-testid="whatif-error">
          {error}
        </p>
      )}

      {outcome && (
        <section className="fd-whatif__result">
          <p className="fd-whatif__summary" data-testid="whatif-summary">
            {summaryLine(outcome.summary)}
          </p>
          <p className="fd-muted">{t(`whatIf.status.${outcome.summary.status}`, { defaultValue: outcome.summary.status })}</p>
          {previous && (
            <WhatIfCompare
              before={previous}
              after={outcome}
              comparison={compareSummaries(previous, outcome)}
              summaryLine={summaryLine}
              label={label}
              when={(at) => when.format(at)}
              onForget={() => setPrevious(null)}
            />
          )}
          {outcome.issues.map((i) => (
            <p key={i} className="fd-error-text">
              {i}
            </p>
          ))}
          <label className="fd-field">
            <span className="fd-field__label">{t('whatIf.scrubber', { at: when.format(scrub) })}</span>
            <input
              type="range"
              data-testid="whatif-scrubber"
              min={outcome.startAt}
              max={Math.max(outcome.endAt, outcome.startAt + 1)}
              step={60_000}
              value={scrub}
              onChange={(e) => onScrub(Number(e.target.value))}
            />
          </label>
          <ol className="fd-whatif__timeline" data-testid="whatif-timeline">
            {outcome.timeline.slice(0, SHOWN_ENTRIES).map((e, i) => (
              <li key={i} className={`fd-whatif__entry kind-${e.kind}${e.at > scrub ? ' is-later' : ''}`} data-kind={e.kind}>
                <button type="button" className="fd-whatif__line" onClick={() => setOpen(open === i ? null : i)} aria-expanded={open === i}>
                  <time>{when.format(e.at)}</time> <span className="fd-whatif__kind">{t(`whatIf.kind.${e.kind}`)}</span>{' '}
                  <span>{label(e.nodeId)}</span> <span className="fd-muted">{e.label}</span>
                </button>
                {open === i && (
                  <div className="fd-whatif__io">
                    {e.input !== undefined && <Json title={t('whatIf.input')} value={e.input} />}
                    {e.output !== undefined && <Json title={t('whatIf.output')} value={e.output} />}
                  </div>
                )}
              </li>
            ))}
          </ol>
          {outcome.timeline.length > SHOWN_ENTRIES && (
            <p className="fd-muted">{t('whatIf.moreEntries', { count: outcome.timeline.length - SHOWN_ENTRIES })}</p>
          )}
        </section>
      )}
    </aside>
  );
}

function Json({ title, value }: { title: string; value: JsonValue }) {
  return (
    <details>
      <summary>{title}</summary>
      <pre className="fd-pre fd-mono">{JSON.stringify(value, null, 2).slice(0, 20_000)}</pre>
    </details>
  );
}

/** One human step's scripted answer: what they do (or "none") and, unless none, after how many hours. */
function ScriptedAnswer(props: {
  testId: string;
  label: string;
  answer: { choice: string; hours: string };
  choices: [string, string][];
  onChange: (next: { choice?: string; hours?: string }) => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="fd-whatif__response" data-testid={props.testId}>
      <span>{props.label}</span>
      <select className="fd-input" value={props.answer.choice} onChange={(e) => props.onChange({ choice: e.target.value })}>
        {props.choices.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
      {props.answer.choice !== 'none' && (
        <label>
          {t('whatIf.afterHours')}{' '}
          <input
            className="fd-input fd-whatif__hours"
            type="number"
            min={0}
            max={8760}
            value={props.answer.hours}
            onChange={(e) => props.onChange({ hours: e.target.value })}
          />
        </label>
      )}
    </div>
  );
}
