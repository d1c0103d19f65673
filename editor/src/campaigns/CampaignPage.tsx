import { useEffect, useRef, useState } from 'react';
import { CAMPAIGN_STATUS_NEXT } from '@flightdeck/workflows';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api/client.ts';
import { keys, useCampaign, useCampaignRuns, useFlows, useSetCampaignStatus } from '../api/queries.ts';
import type { Campaign, CampaignStatus } from '../api/types.ts';
import { useOptionalAuth } from '../auth/AuthProvider.tsx';
import { mayDo } from '../auth/permissions.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { useErrorText } from '../components/errorText.ts';
import { elapsed, formatDateTime, formatMs } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { Modal } from '../components/Modal.tsx';
import { useToast } from '../components/Toasts.tsx';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';
import { useNow } from '../components/useNow.ts';
import { useLocale } from '../i18n/index.ts';
import { href, navigate } from '../routes.ts';
import { StatusBadge } from '../runs/status.tsx';
import { BudgetBreakdown, CampaignStatusBadge, GoalsTable, PhaseTimeline } from './CampaignFacts.tsx';
import { PhaseDatesDialog } from './PhaseDatesDialog.tsx';
import { KpiCharts } from './KpiCharts.tsx';
import { MetricsCard } from './MetricsCard.tsx';
import { RelatedLessonsPanel } from '../lessons/RelatedLessonsPanel.tsx';
import { ComparisonSection } from './ComparisonSection.tsx';
import { ScrollRegion } from '../components/ScrollRegion.tsx';

/** One campaign: goals, budget, phases, its status moves, and the runs started against it. */
export function CampaignPage({ campaignId }: { campaignId: string }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const campaign = useCampaign(campaignId);
  useDocumentTitle(campaign.data?.name ?? t('campaigns.title'));

  if (campaign.isPending) {
    return (
      <div className="fd-app">
        <AppHeader />
        <p className="fd-muted fd-pad">{t('common.loading')}</p>
      </div>
    );
  }
  if (campaign.isError) {
    return (
      <div className="fd-app">
        <AppHeader />
        <div className="fd-state fd-state--error" role="alert" data-testid="campaign-error">
          <h2>{campaign.error instanceof ApiError && campaign.error.status === 404 ? t('campaign.notFound') : t('campaign.loadError')}</h2>
          <p>{errorText(campaign.error)}</p>
          <div className="fd-state__actions">
            <button type="button" className="fd-btn" onClick={() => void campaign.refetch()}>
              {t('common.retry')}
            </button>
            <Link className="fd-btn" href={href.campaigns()}>
              {t('campaign.back')}
            </Link>
          </div>
        </div>
      </div>
    );
  }
  return <CampaignView campaign={campaign.data} />;
}

function CampaignView({ campaign: c }: { campaign: Campaign }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const now = useNow(60_000);
  const me = useOptionalAuth()?.user;
  const [running, setRunning] = useState(false);
  const [editingDates, setEditingDates] = useState(false);
  useRefetchWhenRunsEnd(c.id);
  return (
    <div className="fd-app">
      <AppHeader>
        <nav className="fd-crumbs" aria-label={t('run.breadcrumb')}>
          <Link href={href.campaigns()}>{t('campaigns.title')}</Link>
          <span aria-hidden>›</span>
          <span className="fd-ellipsis">{c.name}</span>
        </nav>
      </AppHeader>
      <main className="fd-page fd-campaign" data-testid="campaign-page" data-campaign-id={c.id}>
        <div className="fd-page__head">
          <div className="fd-campaign__title">
            <h1 data-testid="campaign-name">{c.name}</h1>
            <p className="fd-muted">
              <CampaignStatusBadge status={c.status} testId="campaign-status" /> · {c.department ?? '—'} · {c.timezone}
              {c.slug && <span className="fd-mono"> · {c.slug}</span>}
              {me && c.ownerId === me.id && <span> · {t('campaign.ownedByYou')}</span>}
              {' · '}
              <Link href={href.review(c.id)} data-testid="campaign-review-link">
                {t('review.open')}
              </Link>
              {c.launchedAt && (
                <span data-testid="campaign-launched"> · {t('campaign.launchedAt', { time: formatDateTime(c.launchedAt, locale) })}</span>
              )}
            </p>
          </div>
          {mayDo(me, 'runs:start') && (
            <button type="button" className="fd-btn fd-btn--primary" data-testid="campaign-run" onClick={() => setRunning(true)}>
              ▶ {t('campaign.runFlow')}
            </button>
          )}
        </div>

        {mayDo(me, 'campaigns:write', c.departmentId) && <StatusActions campaign={c} />}

        <div className="fd-campaign__grid">
          <section className="fd-card fd-section" aria-labelledby="goals-h">
            <h2 id="goals-h">{t('campaign.goals')}</h2>
            <GoalsTable goals={c.goals} testId="campaign-goals" />
          </section>
          <section className="fd-card fd-section" aria-labelledby="budget-h">
            <h2 id="budget-h">{t('campaign.budget')}</h2>
            <BudgetBreakdown budget={c.budget} testId="campaign-budget" />
          </section>
          <section className="fd-card fd-section fd-section--wide" aria-labelledby="phases-h">
            <div className="fd-section__head">
              <h2 id="phases-h">{t('campaign.phases')}</h2>
              {mayDo(me, 'campaigns:write', c.departmentId) && c.phases.length > 0 && (
                <button
                  type="button"
                  className="fd-btn fd-btn--small"
                  data-testid="campaign-edit-dates"
                  onClick={() => setEditingDates(true)}
                >
                  {t('phaseDates.edit')}
                </button>
              )}
            </div>
            <PhaseTimeline phases={c.phases} timezone={c.timezone} now={now} testId="campaign-phases" />
          </section>
          {c.channels.length > 0 && (
            <section className="fd-card fd-section fd-section--wide" aria-labelledby="channels-h">
              <h2 id="channels-h">{t('campaign.channels')}</h2>
              <ul className="fd-chips">
                {c.channels.map((ch) => (
                  <li key={ch.name}>{ch.name}</li>
                ))}
              </ul>
            </section>
          )}
          <RelatedLessonsPanel query={{ campaignId: c.id }} />
          <KpiCharts campaign={c} />
          <ComparisonSection campaignId={c.id} />
          {mayDo(me, 'campaigns:write', c.departmentId) && <MetricsCard campaignId={c.id} />}
          <section className="fd-card fd-section fd-section--wide" aria-labelledby="runs-h">
            <h2 id="runs-h">{t('campaign.runs')}</h2>
            <CampaignRuns campaignId={c.id} />
          </section>
        </div>
        {c.updatedAt && <p className="fd-muted">{t('campaign.updated', { time: formatDateTime(c.updatedAt, locale) })}</p>}
      </main>
      {running && <RunAgainstCampaign campaign={c} onClose={() => setRunning(false)} />}
      {editingDates && <PhaseDatesDialog campaign={c} onClose={() => setEditingDates(false)} />}
    </div>
  );
}

/** A run that ends may have changed the campaign (a launch sets it live): read it again then. */
function useRefetchWhenRunsEnd(campaignId: string) {
  const qc = useQueryClient();
  const running = useCampaignRuns(campaignId).data?.filter((r) => r.status === 'running').length ?? 0;
  const last = useRef(running);
  useEffect(() => {
    if (running < last.current) void qc.invalidateQueries({ queryKey: keys.campaign(campaignId) });
    last.current = running;
  }, [running, campaignId, qc]);
}

function StatusActions({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation();
  const toast = useToast();
  const errorText = useErrorText();
  const setStatus = useSetCampaignStatus(campaign.id);
  const next = CAMPAIGN_STATUS_NEXT[campaign.status] ?? [];
  if (!next.length) return null;
  const move = (status: CampaignStatus) => {
    if (status === 'cancelled' && !window.confirm(t('campaign.confirmCancel', { name: campaign.name }))) return;
    setStatus.mutate(status, {
      onSuccess: (c) => toast('success', t('campaign.statusChanged', { status: t(`campaignStatus.${c.status}`) })),
      onError: (e) => toast('error', t('campaign.statusFailed', { detail: errorText(e) })),
    });
  };
  return (
    <div className="fd-status-actions" role="group" aria-label={t('campaign.statusActions')}>
      <span className="fd-muted">{t('campaign.moveTo')}</span>
      {next.map((s) => {
        const verb = campaign.status === 'paused' && s === 'live' ? 'resume' : s;
        return (
          <button
            key={s}
            type="button"
            className={`fd-btn${s === 'cancelled' ? ' fd-btn--danger' : ''}`}
            data-testid={`campaign-status-${s}`}
            disabled={setStatus.isPending}
            onClick={() => move(s)}
          >
            {t(`campaign.action.${verb}`)}
          </button>
        );
      })}
    </div>
  );
}

function CampaignRuns({ campaignId }: { campaignId: string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const errorText = useErrorText();
  const runs = useCampaignRuns(campaignId);
  const flows = useFlows();
  const flowName = (id: string, fallback?: string) => fallback ?? flows.data?.find((f) => f.id === id)?.name ?? id.slice(0, 8);
  if (runs.isPending) return <p className="fd-muted">{t('common.loading')}</p>;
  if (runs.isError) return <p className="fd-error-text">{t('runs.loadError', { detail: errorText(runs.error) })}</p>;
  if (!runs.data.length)
    return (
      <p className="fd-muted" data-testid="campaign-runs-empty">
        {t('campaign.noRuns')}
      </p>
    );
  const sorted = [...runs.data].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return (
    <ScrollRegion>
      <table className="fd-table fd-table--compact" data-testid="campaign-runs">
        <thead>
          <tr>
            <th>{t('runs.status')}</th>
            <th>{t('campaign.flow')}</th>
            <th>{t('runs.started')}</th>
            <th>{t('runs.duration')}</th>
            <th>{t('runs.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.id} data-testid={`run-row-${r.id}`}>
              <td>
                <Link href={href.run(r.id)} className="fd-row-link">
                  <StatusBadge status={r.status} />
                </Link>
              </td>
              <td>
                <Link href={href.run(r.id)}>{flowName(r.flowId, r.flowName)}</Link> <span className="fd-version">v{r.version}</span>
              </td>
              <td className="fd-nowrap">{formatDateTime(r.startedAt, locale)}</td>
              <td>{formatMs(elapsed(r.startedAt, r.endedAt))}</td>
              <td className="fd-ellipsis" title={r.reason ?? ''}>
                {r.reason ?? ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/** Starts a published flow against this campaign (its latest version), e.g. the launch approval. */
function RunAgainstCampaign({ campaign, onClose }: { campaign: Campaign; onClose: () => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const qc = useQueryClient();
  const flows = useFlows();
  const published = (flows.data ?? []).filter((f) => f.latestVersion !== null);
  const [flowId, setFlowId] = useState('');
  const chosen = flowId || published[0]?.id || '';
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const start = async () => {
    if (!chosen || busy) return;
    setBusy(true);
    setError(null);
    try {
      const run = await api.startRun(chosen, { input: {}, campaignId: campaign.id });
      void qc.invalidateQueries({ queryKey: keys.campaignRuns(campaign.id) });
      onClose();
      navigate(href.run(run.id));
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Modal
      title={t('campaign.runTitle')}
      onClose={onClose}
      testId="campaign-run-dialog"
      footer={
        <>
          <button type="button" className="fd-btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            className="fd-btn fd-btn--primary"
            data-testid="campaign-run-start"
            disabled={!chosen || busy}
            onClick={() => void start()}
          >
            {busy ? t('runDialog.starting') : t('runDialog.start')}
          </button>
        </>
      }
    >
      <p className="fd-muted">{t('campaign.runHelp', { name: campaign.name })}</p>
      {flows.isPending ? (
        <p className="fd-muted">{t('common.loading')}</p>
      ) : flows.isError ? (
        <p className="fd-error-text">{errorText(flows.error)}</p>
      ) : published.length ? (
        <div className="fd-field">
          <label className="fd-field__label" htmlFor="campaign-run-flow">
            {t('campaign.flow')}
          </label>
          <select
            id="campaign-run-flow"
            data-testid="campaign-run-flow"
            className="fd-input"
            value={chosen}
            onChange={(e) => setFlowId(e.target.value)}
          >
            {published.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name} (v{f.latestVersion})
              </option>
            ))}
          </select>
        </div>
      ) : (
        <p className="fd-muted">{t('campaign.noPublishedFlows')}</p>
      )}
      {error && (
        <pre className="fd-pre fd-pre--error" role="alert" data-testid="campaign-run-error">
          {error}
        </pre>
      )}
    </Modal>
  );
}
