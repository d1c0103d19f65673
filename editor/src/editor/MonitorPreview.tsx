import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeRule, parseMonitor, problemText, RULE_KIND_TEXT, type MonitorConfig } from '@flightdeck/workflows';
import { api } from '../api/client.ts';
import { useCampaigns } from '../api/queries.ts';
import { useErrorText } from '../components/errorText.ts';
import { formatShortDateTime } from '../components/format.ts';
import { useLocale } from '../i18n/index.ts';
import { formatKpi } from '../campaigns/kpiChartOption.ts';
import { ruleMetric } from '../campaigns/kpiChart.ts';
import { previewMonitor, type PreviewOutcome } from './monitorPreview.ts';

/**
 * The monitor node's rules in plain words, and what they would have done over a campaign's
 * stored metrics. The flow does not know its campaign until it runs, so the preview asks for one.
 */
export function MonitorPreview({ config }: { config: unknown }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const parsed = useMemo(() => parseMonitor(config), [config]);
  if (!parsed.ok) {
    const detail = parsed.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.')}: ${problemText(i, locale)}`)
      .join('; ');
    return (
      <section className="fd-monitor-preview fd-field" data-testid="monitor-preview">
        <div className="fd-field__label">{t('monitorPreview.title')}</div>
        <p className="fd-muted" data-testid="monitor-preview-invalid">
          {t('monitorPreview.invalid', { detail })}
        </p>
      </section>
    );
  }
  return (
    <section className="fd-monitor-preview fd-field" data-testid="monitor-preview">
      <div className="fd-field__label">{t('monitorPreview.title')}</div>
      <ol>
        {parsed.monitor.rules.map((r) => (
          <li key={r.id} className="fd-monitor-preview__rule" data-testid={`monitor-rule-${r.id}`}>
            <strong>{r.label || r.id}</strong> <span className="fd-muted">({RULE_KIND_TEXT[r.kind][locale]})</span>
            <div>{describeRule(r, locale)}</div>
          </li>
        ))}
      </ol>
      <Replay monitor={parsed.monitor} />
    </section>
  );
}

function Replay({ monitor }: { monitor: MonitorConfig }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const errorText = useErrorText();
  const campaigns = useCampaigns();
  const [campaignId, setCampaignId] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<(PreviewOutcome & { truncated?: boolean }) | null>(null);
  const campaign = campaigns.data?.find((c) => c.id === campaignId);

  const run = async () => {
    if (!campaign || busy) return;
    setBusy(true);
    try {
      const answer = await api.getCampaignMetrics(campaign.id);
      setOutcome({ ...previewMonitor(campaign, monitor, answer.items), truncated: answer.truncated });
    } catch (e) {
      setOutcome({ ok: false, error: errorText(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="monitor-replay">
      <div className="fd-field__label">{t('monitorPreview.preview')}</div>
      <div className="fd-chart__pickers">
        <select
          className="fd-input"
          aria-label={t('monitorPreview.campaign')}
          data-testid="monitor-replay-campaign"
          value={campaignId}
          onChange={(e) => {
            setCampaignId(e.target.value);
            setOutcome(null);
          }}
        >
          <option value="">{t('monitorPreview.pick')}</option>
          {(campaigns.data ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="fd-btn fd-btn--small"
          data-testid="monitor-replay-run"
          disabled={!campaign || busy}
          onClick={() => void run()}
        >
          {busy ? t('monitorPreview.running') : t('monitorPreview.run')}
        </button>
      </div>
      {outcome && !outcome.ok && (
        <p className="fd-error-text" role="alert">
          {t('monitorPreview.failed', { detail: outcome.error })}
        </p>
      )}
      {outcome?.ok && campaign && (
        <div data-testid="monitor-replay-result">
          <p className="fd-muted">{outcome.points ? t('monitorPreview.points', { count: outcome.points }) : t('monitorPreview.noData')}</p>
          {outcome.truncated && <p className="fd-muted">{t('monitorPreview.truncated')}</p>}
          {outcome.rules.map((r) => {
            const rule = monitor.rules.find((x) => x.id === r.ruleId)!;
            const metric = rule.kind === 'no_data' ? null : ruleMetric(rule);
            // A no-data rule's value is the silence in ms, which its sentence already says.
            const value = (v: number | null) => (metric ? formatKpi(v, metric, campaign.budget.currency, locale) : '—');
            return (
              <div key={r.ruleId} data-testid={`monitor-replay-${r.ruleId}`} data-count={r.count}>
                <strong>{rule.label || rule.id}</strong>:{' '}
                {r.count ? t('monitorPreview.times', { count: r.count }) : t('monitorPreview.never')}
                {r.firings.length > 0 && (
                  <ul>
                    {r.firings.map((f, i) => (
                      <li key={i}>
                        {t('monitorPreview.at', {
                          time: formatShortDateTime(f.at, locale, campaign.timezone),
                          scope: f.channel ?? t('monitorPreview.overall'),
                          value: value(f.value),
                        })}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}
