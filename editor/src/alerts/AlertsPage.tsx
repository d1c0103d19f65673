import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAlerts, useCampaigns } from '../api/queries.ts';
import { ALERT_STATES, SEVERITIES, type Alert } from '../api/types.ts';
import { useOptionalAuth } from '../auth/AuthProvider.tsx';
import { mayDo } from '../auth/permissions.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { useErrorText } from '../components/errorText.ts';
import { formatShortDateTime, formatTarget } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';
import { useLocale } from '../i18n/index.ts';
import { alertFilterOf, href, navigate, type AlertsView } from '../routes.ts';
import { AckSelected, ackable } from './AckSelected.tsx';
import { AlertActions } from './AlertActions.tsx';
import { AlertStateBadge, SeverityBadge } from './AlertBadges.tsx';
import { SilenceList } from './SilenceList.tsx';
import { ruleInWords } from './alertFormat.ts';
import { ScrollRegion } from '../components/ScrollRegion.tsx';

/** The Alerts page: filters in the address (so a view can be shared), a table of alerts a page at a time, the silences under it. */
export function AlertsPage({ view }: { view: AlertsView }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  useDocumentTitle(t('alerts.title'));
  const alerts = useAlerts(alertFilterOf(view));
  const canAct = mayDo(useOptionalAuth()?.user, 'campaigns:write');
  const items = alerts.data?.pages.flatMap((p) => p.items) ?? [];

  let body;
  if (alerts.isPending) body = <p className="fd-muted">{t('common.loading')}</p>;
  else if (alerts.isError)
    body = (
      <div className="fd-state fd-state--error" role="alert" data-testid="alerts-error">
        <h2>{t('alerts.loadError')}</h2>
        <p>{errorText(alerts.error)}</p>
        <button type="button" className="fd-btn" onClick={() => void alerts.refetch()} disabled={alerts.isFetching}>
          {t('common.retry')}
        </button>
      </div>
    );
  else if (!items.length)
    body = (
      <div className="fd-state" data-testid="alerts-empty">
        <h2>{t('alerts.emptyTitle')}</h2>
        <p className="fd-muted">{t('alerts.emptyText')}</p>
      </div>
    );
  else
    body = (
      <>
        <AlertTable items={items} canAct={canAct} />
        <div className="fd-alerts__more">
          <span className="fd-muted fd-small" aria-live="polite">
            {t('alerts.shown', { count: items.length })}
          </span>
          {alerts.hasNextPage && (
            <button
              type="button"
              className="fd-btn"
              onClick={() => void alerts.fetchNextPage()}
              disabled={alerts.isFetchingNextPage}
              data-testid="alerts-more"
            >
              {alerts.isFetchingNextPage ? t('common.loading') : t('alerts.loadMore')}
            </button>
          )}
        </div>
      </>
    );

  return (
    <div className="fd-app">
      <AppHeader />
      <main className="fd-page fd-alerts">
        <div className="fd-page__head">
          <div>
            <h1>{t('alerts.title')}</h1>
            <p className="fd-muted">{t('alerts.subtitle')}</p>
          </div>
        </div>
        <AlertFilters view={view} />
        {body}
        <SilenceList canAct={canAct} />
      </main>
    </div>
  );
}

function AlertFilters({ view }: { view: AlertsView }) {
  const { t } = useTranslation();
  const campaigns = useCampaigns();
  // The address is the filter's one home: changing a filter replaces it, so Back leaves the page.
  const set = (patch: Partial<AlertsView>) => navigate(href.alerts({ ...view, ...patch }), { replace: true });
  return (
    <form className="fd-alerts__filters" role="search" aria-label={t('alerts.filters')} onSubmit={(e) => e.preventDefault()}>
      <div className="fd-field">
        <label className="fd-field__label" htmlFor="alerts-campaign">
          {t('alerts.campaign')}
        </label>
        <select
          id="alerts-campaign"
          className="fd-input"
          value={view.campaignId ?? ''}
          onChange={(e) => set({ campaignId: e.target.value || undefined })}
          data-testid="alerts-filter-campaign"
        >
          <option value="">{t('alerts.allCampaigns')}</option>
          {campaigns.data?.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      <div className="fd-field">
        <label className="fd-field__label" htmlFor="alerts-severity">
          {t('alerts.severityLabel')}
        </label>
        <select
          id="alerts-severity"
          className="fd-input"
          value={view.severity ?? ''}
          onChange={(e) => set({ severity: (e.target.value || undefined) as AlertsView['severity'] })}
          data-testid="alerts-filter-severity"
        >
          <option value="">{t('alerts.allSeverities')}</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {t(`alerts.severity.${s}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="fd-field">
        <label className="fd-field__label" htmlFor="alerts-state">
          {t('alerts.stateLabel')}
        </label>
        <select
          id="alerts-state"
          className="fd-input"
          value={view.state}
          onChange={(e) => set({ state: e.target.value as AlertsView['state'] })}
          data-testid="alerts-filter-state"
        >
          <option value="open">{t('alerts.stateOpen')}</option>
          {ALERT_STATES.map((s) => (
            <option key={s} value={s}>
              {t(`alerts.state.${s}`)}
            </option>
          ))}
          <option value="all">{t('alerts.stateAll')}</option>
        </select>
      </div>
    </form>
  );
}

function AlertTable({ items, canAct }: { items: Alert[]; canAct: boolean }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const col = (k: string) => t(`alerts.col.${k}`);
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  // Only what is still on the page and ackable counts: a refetch may have moved an alert on.
  const choosable = items.filter(ackable);
  const selected = choosable.filter((a) => picked.has(a.id)).map((a) => a.id);
  const toggle = (id: string, on: boolean) =>
    setPicked((p) => {
      const next = new Set(p);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const all = choosable.length > 0 && selected.length === choosable.length;
  return (
    <ScrollRegion>
      {canAct && choosable.length > 0 && (
        <div className="fd-alerts__bulk">
          <AckSelected selected={selected} onDone={() => setPicked(new Set())} />
        </div>
      )}
      <table className="fd-table fd-table--alerts" data-testid="alert-list">
        <caption className="fd-sr-only">{t('alerts.title')}</caption>
        <thead>
          <tr>
            {canAct && (
              <th scope="col">
                <input
                  type="checkbox"
                  checked={all}
                  disabled={!choosable.length}
                  onChange={(e) => setPicked(e.target.checked ? new Set(choosable.map((a) => a.id)) : new Set())}
                  aria-label={t('alerts.selectAll')}
                  data-testid="alerts-select-all"
                />
              </th>
            )}
            <th scope="col">{col('severity')}</th>
            <th scope="col">{col('state')}</th>
            <th scope="col">{col('campaign')}</th>
            <th scope="col">{col('rule')}</th>
            <th scope="col">{col('channel')}</th>
            <th scope="col">{col('firedAt')}</th>
            <th scope="col" className="fd-num">
              {col('value')}
            </th>
            {canAct && <th scope="col">{col('actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr key={a.id} data-testid={`alert-row-${a.id}`} data-state={a.state} className={`fd-alertrow fd-alertrow--${a.severity}`}>
              {canAct && (
                <td>
                  {ackable(a) && (
                    <input
                      type="checkbox"
                      checked={picked.has(a.id)}
                      onChange={(e) => toggle(a.id, e.target.checked)}
                      aria-label={t('alerts.selectLabel', { rule: ruleInWords(a, locale).title, campaign: a.campaignName })}
                      data-testid={`alert-select-${a.id}`}
                    />
                  )}
                </td>
              )}
              <td data-label={col('severity')}>
                <SeverityBadge severity={a.severity} />
              </td>
              <td data-label={col('state')}>
                <AlertStateBadge state={a.state} />
                {a.state === 'snoozed' && a.snoozedUntil && (
                  <div className="fd-muted fd-small">{t('alerts.snoozedUntil', { time: formatShortDateTime(a.snoozedUntil, locale) })}</div>
                )}
              </td>
              <td data-label={col('campaign')}>
                <Link href={href.campaign(a.campaignId)}>{a.campaignName}</Link>
              </td>
              <td data-label={col('rule')}>
                <Link
                  href={href.alert(a.id)}
                  className="fd-flowlink"
                  aria-label={t('alerts.openLabel', { rule: ruleInWords(a, locale).title, campaign: a.campaignName })}
                  data-testid={`alert-open-${a.id}`}
                >
                  {ruleInWords(a, locale).title}
                </Link>
                {ruleInWords(a, locale).title !== a.ruleId && <div className="fd-muted fd-small fd-mono">{a.ruleId}</div>}
              </td>
              <td data-label={col('channel')}>{a.channel ?? <span className="fd-muted">{t('alerts.wholeCampaign')}</span>}</td>
              <td data-label={col('firedAt')} className="fd-nowrap">
                <time dateTime={a.firedAt}>{formatShortDateTime(a.firedAt, locale)}</time>
              </td>
              <td data-label={col('value')} className="fd-num">
                <AlertValue alert={a} />
              </td>
              {canAct && (
                <td data-label={col('actions')}>
                  <AlertActions alert={a} canAct={canAct} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/** The measured value against its threshold, each in the rule's unit (ratios as percentages, money in its currency). */
export function AlertValue({ alert }: { alert: Pick<Alert, 'value' | 'threshold' | 'unit'> }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const fmt = (n: number | null) => (n === null ? '—' : formatTarget(n, alert.unit, locale));
  return (
    <span className="fd-alertvalue">
      <strong>{fmt(alert.value)}</strong>
      {alert.threshold !== null && <span className="fd-muted"> {t('alerts.threshold', { threshold: fmt(alert.threshold) })}</span>}
    </span>
  );
}
