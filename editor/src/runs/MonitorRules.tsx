import { useTranslation } from 'react-i18next';
import { useLocale } from '../i18n/index.ts';
import { formatDateTime } from '../components/format.ts';
import { formatRuleValue, type MonitorDetail } from './monitorDetail.ts';

export { isMonitorDetail } from './monitorDetail.ts';

/** Each rule's state as the ingest path last judged it: ok, pending since, firing since, the last value against its line. */
export function MonitorRules({ detail }: { detail: MonitorDetail }) {
  const { t } = useTranslation();
  const locale = useLocale();
  return (
    <div data-testid="monitor-rules">
      <p className="fd-muted">
        {t('monitor.watermark')}: {detail.watermark ? formatDateTime(detail.watermark, locale) : t('monitor.noData')}
      </p>
      {/* The node panel is narrow: the table scrolls sideways rather than cutting off the values. */}
      <div style={{ overflowX: 'auto' }}>
        <table className="fd-table fd-table--compact">
          <thead>
            <tr>
              <th scope="col">{t('monitor.rule')}</th>
              <th scope="col">{t('monitor.channel')}</th>
              <th scope="col">{t('monitor.state')}</th>
              <th scope="col">{t('monitor.since')}</th>
              <th scope="col">{t('monitor.value')}</th>
            </tr>
          </thead>
          <tbody>
            {detail.statuses.map((s) => (
              <tr key={`${s.ruleId}/${s.channel ?? '*'}`} data-state={s.state}>
                <td>{s.label}</td>
                <td>{s.channel ?? t('monitor.wholeCampaign')}</td>
                <td>
                  <span className={`fd-badge status-${s.state === 'firing' ? 'failed' : s.state === 'pending' ? 'running' : 'completed'}`}>
                    {t(`monitor.states.${s.state}`)}
                  </span>
                </td>
                <td>{s.since ? formatDateTime(s.since, locale) : '—'}</td>
                <td>
                  {formatRuleValue(s.value, s.unit, locale)}
                  {s.threshold !== null && ` / ${formatRuleValue(s.threshold, s.unit, locale)}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
