import { useTranslation } from 'react-i18next';
import { useErrorText } from '../components/errorText.ts';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';
import { useCampaign, useCancelRun, useFlow, useRun, useRunActivities } from '../api/queries.ts';
import { RunActions } from './RunActions.tsx';
import { AppHeader } from '../components/AppHeader.tsx';
import { elapsed, formatDateTime, formatMs, prettyJson } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { useToast } from '../components/Toasts.tsx';
import { useLocale } from '../i18n/index.ts';
import { href } from '../routes.ts';
import { RunView } from './RunView.tsx';
import { RunDeliveries } from './RunDeliveries.tsx';
import { RunLinks } from './RunLinks.tsx';
import { useOptionalAuth } from '../auth/AuthProvider.tsx';
import { isAdmin } from '../auth/permissions.ts';

/** One run: its status while it runs (polled every second) and what each node did. */
export function RunPage({ runId }: { runId: string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const toast = useToast();
  const errorText = useErrorText();
  const user = useOptionalAuth()?.user;
  const run = useRun(runId);
  const flow = useFlow(run.data?.flowId);
  const cancel = useCancelRun(runId);
  const activities = useRunActivities(runId, run.data?.state?.status ?? run.data?.status);
  useDocumentTitle(run.data ? `${t(`status.${run.data.status}`)} · ${flow.data?.name ?? t('run.title', { id: runId.slice(0, 8) })}` : null);

  if (run.isPending) {
    return (
      <div className="fd-app">
        <AppHeader />
        <p className="fd-muted fd-pad">{t('common.loading')}</p>
      </div>
    );
  }
  if (run.isError) {
    return (
      <div className="fd-app">
        <AppHeader />
        <div className="fd-state fd-state--error" role="alert" data-testid="run-error">
          <h2>{t('run.loadError')}</h2>
          <p>{errorText(run.error)}</p>
          <button type="button" className="fd-btn" onClick={() => void run.refetch()}>
            {t('common.retry')}
          </button>
        </div>
      </div>
    );
  }

  const r = run.data;
  const status = r.state?.status ?? r.status;
  const reason = r.reason ?? r.state?.reason;
  // The live state learns of the end before the row does (the sync writes ended_at): an ended run shows its end time.
  const endedAt = r.endedAt ?? (status !== 'running' ? r.state?.endedAt : undefined);
  return (
    <div className="fd-app">
      <AppHeader>
        <nav className="fd-crumbs" aria-label={t('run.breadcrumb')}>
          <Link href={href.flow(r.flowId)} data-testid="run-back">
            {flow.data?.name ?? t('run.flow')}
          </Link>
          <span aria-hidden>›</span>
          {/* The page's one h1, for heading navigation; it looks like the crumb it is. */}
          <h1 className="fd-crumbs__here">{t('run.title', { id: r.id.slice(0, 8) })}</h1>
        </nav>
      </AppHeader>
      <section className="fd-runhead" aria-label={t('run.summary')}>
        <div className="fd-runhead__status">
          <span className={`fd-run-status status-${status}`} data-testid="run-status" data-status={status} role="status">
            {t(`status.${status}`, { defaultValue: status })}
          </span>
          {status === 'running' && (
            <button
              type="button"
              className="fd-btn fd-btn--danger"
              data-testid="run-cancel"
              disabled={cancel.isPending}
              onClick={() =>
                cancel.mutate(undefined, {
                  onSuccess: () => toast('info', t('run.cancelRequested')),
                  onError: (e) => toast('error', t('run.cancelFailed', { detail: errorText(e) })),
                })
              }
            >
              {cancel.isPending ? t('run.cancelling') : t('run.cancel')}
            </button>
          )}
          <RunActions run={r} status={status} />
        </div>
        <dl className="fd-facts fd-facts--inline">
          <div>
            <dt>{t('run.version')}</dt>
            <dd data-testid="run-version">v{r.version}</dd>
          </div>
          <div>
            <dt>{t('run.started')}</dt>
            <dd>{formatDateTime(r.startedAt, locale)}</dd>
          </div>
          <div>
            <dt>{t('run.ended')}</dt>
            <dd>{formatDateTime(endedAt, locale)}</dd>
          </div>
          <div>
            <dt>{t('run.duration')}</dt>
            <dd>{formatMs(elapsed(r.startedAt, endedAt))}</dd>
          </div>
          {r.campaignId && (
            <div>
              <dt>{t('run.campaign')}</dt>
              <dd>
                <RunCampaign id={r.campaignId} />
              </dd>
            </div>
          )}
          <RunLinks run={r} />
          {reason && (
            <div>
              <dt>{t('run.reason')}</dt>
              <dd data-testid="run-reason">{reason}</dd>
            </div>
          )}
        </dl>
        <details className="fd-runhead__input">
          <summary>{t('run.input')}</summary>
          <pre className="fd-pre">{prettyJson(r.input ?? {})}</pre>
        </details>
        {run.isRefetchError && <span className="fd-error-text">{t('run.pollError')}</span>}
      </section>
      <main className="fd-runpage">
        <RunView graph={r.graph} state={r.state} live activities={activities.data?.items} />
        <RunDeliveries runId={r.id} live={status === 'running'} canResend={!user || user.id === r.requestedBy || isAdmin(user)} />
      </main>
    </div>
  );
}

function RunCampaign({ id }: { id: string }) {
  const campaign = useCampaign(id);
  return (
    <Link href={href.campaign(id)} data-testid="run-campaign-link">
      {campaign.data?.name ?? id.slice(0, 8)}
    </Link>
  );
}
