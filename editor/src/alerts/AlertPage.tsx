import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useAlert } from '../api/queries.ts';
import { useOptionalAuth } from '../auth/AuthProvider.tsx';
import { mayDo } from '../auth/permissions.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { useErrorText } from '../components/errorText.ts';
import { formatShortDateTime, formatTarget } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';
import { useLocale } from '../i18n/index.ts';
import { href } from '../routes.ts';
import { AlertActions } from './AlertActions.tsx';
import { AlertStateBadge, SeverityBadge } from './AlertBadges.tsx';
import { AlertTimeline } from './AlertTimeline.tsx';
import { ruleInWords } from './alertFormat.ts';

/** One alert: what fired and how far off it was, what can be done about it, and its timeline. */
export function AlertPage({ alertId }: { alertId: string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const errorText = useErrorText();
  const query = useAlert(alertId);
  const canAct = mayDo(useOptionalAuth()?.user, 'campaigns:write');
  const a = query.data;
  useDocumentTitle(a ? `${ruleInWords(a, locale).title} · ${a.campaignName}` : t('alerts.title'));
  const fmt = (n: number | null) => (n === null || !a ? '—' : formatTarget(n, a.unit, locale));
  const when = (iso: string | null) => formatShortDateTime(iso, locale);

  return (
    <div className="fd-app">
      <AppHeader />
      <main className="fd-page fd-alertpage">
        <Link href={href.alerts()} className="fd-back" data-testid="alert-back">
          ← {t('alerts.detail.back')}
        </Link>
        {query.isPending ? (
          <p className="fd-muted">{t('common.loading')}</p>
        ) : query.isError ? (
          <div className="fd-state fd-state--error" role="alert" data-testid="alert-error">
            <h2>{t('alerts.detail.loadError')}</h2>
            <p>{errorText(query.error)}</p>
            <button type="button" className="fd-btn" onClick={() => void query.refetch()} disabled={query.isFetching}>
              {t('common.retry')}
            </button>
          </div>
        ) : (
          a && (
            <>
              <div className="fd-page__head fd-alertpage__head">
                <div>
                  <div className="fd-alertpage__badges">
                    <SeverityBadge severity={a.severity} />
                    <AlertStateBadge state={a.state} testId="alert-detail-state" />
                    {a.state === 'snoozed' && a.snoozedUntil && (
                      <span className="fd-muted fd-small">{t('alerts.snoozedUntil', { time: when(a.snoozedUntil) })}</span>
                    )}
                  </div>
                  <h1 data-testid="alert-rule">{ruleInWords(a, locale).title}</h1>
                  {ruleInWords(a, locale).text && <p data-testid="alert-rule-text">{ruleInWords(a, locale).text}</p>}
                  <p className="fd-muted">
                    <span className="fd-mono">{a.ruleId}</span>
                    {' · '}
                    <Link href={href.campaign(a.campaignId)}>{a.campaignName}</Link>
                    {' · '}
                    {a.channel ?? t('alerts.wholeCampaign')}
                  </p>
                </div>
                <AlertActions alert={a} canAct={canAct} />
              </div>
              <section className="fd-card fd-section" aria-label={t('alerts.detail.value')}>
                <dl className="fd-alertfacts" data-testid="alert-facts">
                  <Fact label={t('alerts.detail.value')} value={<strong className="fd-alertfacts__big">{fmt(a.value)}</strong>} />
                  <Fact label={t('alerts.detail.threshold')} value={fmt(a.threshold)} />
                  {a.baseline !== null && <Fact label={t('alerts.detail.baseline')} value={fmt(a.baseline)} />}
                  <Fact label={t('alerts.detail.firedAt')} value={<time dateTime={a.firedAt}>{when(a.firedAt)}</time>} />
                  {a.lastFiredAt !== a.firedAt && (
                    <Fact label={t('alerts.detail.lastFiredAt')} value={<time dateTime={a.lastFiredAt}>{when(a.lastFiredAt)}</time>} />
                  )}
                  <Fact label={t('alerts.detail.arrivedAt')} value={<time dateTime={a.openedAt}>{when(a.openedAt)}</time>} />
                  {a.acknowledgedBy && (
                    <Fact label={t('alerts.detail.ackedBy')} value={`${a.acknowledgedBy.name} · ${when(a.acknowledgedAt)}`} />
                  )}
                  {a.resolvedAt && (
                    <Fact
                      label={t('alerts.detail.resolvedBy')}
                      value={`${a.resolvedBy?.name ?? t('alerts.detail.theRule')} · ${when(a.resolvedAt)}`}
                    />
                  )}
                  {a.nodeId && <Fact label={t('alerts.detail.monitor')} value={<span className="fd-mono">{a.nodeId}</span>} />}
                  {a.runId && (
                    <Fact label={t('alerts.detail.run')} value={<Link href={href.run(a.runId)}>{t('alerts.detail.openRun')}</Link>} />
                  )}
                </dl>
              </section>
              <AlertTimeline alert={a} />
            </>
          )
        )}
      </main>
    </div>
  );
}

function Fact({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div className="fd-alertfacts__item">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
