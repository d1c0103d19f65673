import type { CSSProperties } from 'react';
import { useTranslation } from 'react-i18next';
import type { Campaign, CampaignGoal } from '../api/types.ts';
import { formatDate, formatMoney, formatPercent, formatTarget } from '../components/format.ts';
import { humanize } from '../editor/schema.ts';
import { useLocale } from '../i18n/index.ts';

/** A campaign's lifecycle status as a coloured pill. */
export function CampaignStatusBadge({ status, testId }: { status: string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <span className={`fd-badge cstatus-${status}`} data-status={status} data-testid={testId}>
      {t(`campaignStatus.${status}`, { defaultValue: humanize(status) })}
    </span>
  );
}

export function useKpiLabel(): (kpi: string) => string {
  const { t } = useTranslation();
  return (kpi) => t(`kpi.${kpi}`, { defaultValue: humanize(kpi) });
}

export function usePhaseLabel(): (name: string) => string {
  const { t } = useTranslation();
  return (name) => t(`phase.${name}`, { defaultValue: humanize(name) });
}

/** Goals as KPI, target and unit; a "max" goal is a ceiling (lower is better). */
export function GoalsTable({ goals, testId }: { goals: CampaignGoal[]; testId?: string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const kpi = useKpiLabel();
  if (!goals.length) return <p className="fd-muted">{t('campaign.noGoals')}</p>;
  return (
    <table className="fd-table fd-table--compact fd-table--facts" data-testid={testId}>
      <thead>
        <tr>
          <th>{t('campaign.kpi')}</th>
          <th className="fd-num">{t('campaign.target')}</th>
          <th>{t('campaign.unit')}</th>
        </tr>
      </thead>
      <tbody>
        {goals.map((g, i) => (
          <tr key={`${g.kpi}-${i}`} data-kpi={g.kpi}>
            <td>{kpi(g.kpi)}</td>
            <td className="fd-num">
              <span className="fd-muted" title={g.direction === 'max' ? t('campaign.atMost') : t('campaign.atLeast')}>
                {g.direction === 'max' ? '≤ ' : '≥ '}
              </span>
              {formatTarget(g.target, g.unit, locale)}
            </td>
            <td className="fd-muted">{g.unit}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The total, the contingency reserve, and each line with its share of the total. */
export function BudgetBreakdown({ budget, testId }: { budget: Campaign['budget']; testId?: string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const money = (n: number) => formatMoney(n, budget.currency, locale);
  const allocated = budget.lines.reduce((a, l) => a + (Number.isFinite(l.amount) ? l.amount : 0), 0);
  const reserve = budget.total * (budget.contingencyRatio ?? 0);
  const unallocated = budget.total - allocated;
  return (
    <div className="fd-budget" data-testid={testId}>
      <dl className="fd-kv">
        <div>
          <dt>{t('campaign.budgetTotal')}</dt>
          <dd className="fd-kv__big" data-testid="budget-total">
            {money(budget.total)}
          </dd>
        </div>
        <div>
          <dt>{t('campaign.contingency')}</dt>
          <dd>
            {money(reserve)} <span className="fd-muted">({formatPercent(budget.contingencyRatio ?? 0, locale)})</span>
          </dd>
        </div>
        <div>
          <dt>{t('campaign.allocated')}</dt>
          <dd>{money(allocated)}</dd>
        </div>
        <div>
          <dt>{t('campaign.unallocated')}</dt>
          <dd className={unallocated < 0 ? 'fd-error-text' : undefined}>{money(unallocated)}</dd>
        </div>
      </dl>
      {budget.lines.length > 0 && (
        <ul className="fd-budget__lines">
          {budget.lines.map((l, i) => {
            const share = budget.total > 0 ? l.amount / budget.total : 0;
            return (
              <li key={`${l.channel}-${i}`} className="fd-budget__line" data-channel={l.channel}>
                <div className="fd-budget__label">
                  <span className="fd-budget__channel">
                    {l.channel}
                    {l.phase && <span className="fd-muted"> · {l.phase}</span>}
                  </span>
                  <span className="fd-budget__amount">
                    {money(l.amount)} <span className="fd-muted">{formatPercent(share, locale, 0)}</span>
                  </span>
                </div>
                <div className="fd-bar" aria-hidden>
                  <div className="fd-bar__fill" style={{ width: `${Math.min(100, Math.max(0, share * 100))}%` }} />
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

const PHASE_COLORS = ['#60a5fa', '#f97316', '#a78bfa', '#34d399', '#f472b6', '#facc15'];

/** Phases to scale on one line, with their dates, and where today falls. */
export function PhaseTimeline({
  phases,
  timezone,
  now,
  testId,
}: {
  phases: Campaign['phases'];
  timezone?: string;
  now: number;
  testId?: string;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const phaseLabel = usePhaseLabel();
  const spans = phases
    .map((p) => ({ ...p, s: new Date(p.startsAt).getTime(), e: new Date(p.endsAt).getTime() }))
    .filter((p) => Number.isFinite(p.s) && Number.isFinite(p.e) && p.e > p.s);
  if (!spans.length) return <p className="fd-muted">{t('campaign.noPhases')}</p>;
  const start = Math.min(...spans.map((p) => p.s));
  const end = Math.max(...spans.map((p) => p.e));
  const total = end - start;
  const pct = (x: number) => ((x - start) / total) * 100;
  const today = now >= start && now <= end ? pct(now) : null;
  const days = (ms: number) => Math.round(ms / 86_400_000);
  return (
    <div className="fd-timeline" data-testid={testId}>
      <div className="fd-timeline__track" aria-hidden>
        {spans.map((p, i) => (
          <div
            key={`${p.name}-${i}`}
            className="fd-timeline__seg"
            style={
              { left: `${pct(p.s)}%`, width: `${pct(p.e) - pct(p.s)}%`, '--seg': PHASE_COLORS[i % PHASE_COLORS.length] } as CSSProperties
            }
            title={phaseLabel(p.name)}
          >
            <span>{phaseLabel(p.name)}</span>
          </div>
        ))}
        {today !== null && <div className="fd-timeline__today" style={{ left: `${today}%` }} title={t('campaign.today')} />}
      </div>
      <ol className="fd-timeline__list">
        {spans.map((p, i) => (
          <li key={`${p.name}-${i}`}>
            <span className="fd-timeline__dot" style={{ background: PHASE_COLORS[i % PHASE_COLORS.length] }} aria-hidden />
            <strong>{phaseLabel(p.name)}</strong>
            <span>
              {formatDate(p.startsAt, locale, timezone)} – {formatDate(p.endsAt, locale, timezone)}
            </span>
            <span className="fd-muted">{t('campaign.days', { count: days(p.e - p.s) })}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** First start to last end, for lists. */
export function phaseRange(phases: Campaign['phases'], locale: string, timezone?: string): string {
  const starts = phases
    .map((p) => p.startsAt)
    .filter(Boolean)
    .sort();
  const ends = phases
    .map((p) => p.endsAt)
    .filter(Boolean)
    .sort();
  if (!starts.length || !ends.length) return '—';
  return `${formatDate(starts[0], locale as never, timezone)} – ${formatDate(ends[ends.length - 1], locale as never, timezone)}`;
}
