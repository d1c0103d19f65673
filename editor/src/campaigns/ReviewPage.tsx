import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { metricIdOf, REVIEW_KPIS, type Locale } from '@flightdeck/workflows';
import { api, ApiError } from '../api/client.ts';
import { keys, useReview, useReviewVersions } from '../api/queries.ts';
import type { StoredReview } from '../api/types.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { EChart } from '../components/EChart.tsx';
import { useErrorText } from '../components/errorText.ts';
import { formatDateTime, formatMoney, formatMs, formatPercent } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { ScrollRegion } from '../components/ScrollRegion.tsx';
import { useToast } from '../components/Toasts.tsx';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';
import { useLocale } from '../i18n/index.ts';
import { href, navigate } from '../routes.ts';
import { formatKpi } from './kpiChartOption.ts';
import { attainmentChartOption, dailyChartOption } from './reviewChart.ts';

type Kpis = StoredReview['efficiency']['overall'];

/** The post-campaign review (复盘) of one stored version: what the PDF prints, and what a finance analyst signs off. */
export function ReviewPage({ campaignId, version }: { campaignId: string; version: number | null }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const review = useReview(campaignId, version);
  useDocumentTitle(review.data?.campaign.name ? `${t('review.title')} · ${review.data.campaign.name}` : t('review.title'));
  return (
    <div className="fd-app">
      <AppHeader>
        <nav className="fd-crumbs" aria-label={t('run.breadcrumb')}>
          <Link href={href.campaigns()}>{t('campaigns.title')}</Link>
          <span aria-hidden>›</span>
          <Link href={href.campaign(campaignId)}>{review.data?.campaign.name ?? campaignId}</Link>
          <span aria-hidden>›</span>
          <span>{t('review.breadcrumb')}</span>
        </nav>
      </AppHeader>
      {review.isPending && <p className="fd-muted fd-pad">{t('common.loading')}</p>}
      {review.isError && (
        <div className="fd-state fd-state--error" role="alert" data-testid="review-error">
          <h2>{review.error instanceof ApiError && review.error.status === 404 ? t('campaign.notFound') : t('review.loadError')}</h2>
          <p>{errorText(review.error)}</p>
          <button type="button" className="fd-btn" onClick={() => void review.refetch()}>
            {t('common.retry')}
          </button>
        </div>
      )}
      {review.data && <ReviewView campaignId={campaignId} review={review.data} />}
    </div>
  );
}

function ReviewView({ campaignId, review: r }: { campaignId: string; review: StoredReview }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const currency = r.budget?.currency ?? 'CNY';
  const time = (v: string | null | undefined) => formatDateTime(v, locale);
  const goalLabel = (kpi: string) => r.attainment.find((g) => g.kpi === kpi)?.label[locale] ?? kpi;
  return (
    <main className="fd-page fd-review" data-testid="review-page" data-version={r.stored.version}>
      <div className="fd-page__head">
        <div>
          <h1 data-testid="review-campaign-name">
            {t('review.title')} · {r.campaign.name}
          </h1>
          <p className="fd-muted" data-testid="review-provenance">
            {t('review.provenance', {
              version: r.stored.version,
              time: time(r.stored.computedAt),
              actor: r.stored.actor,
              points: r.stored.points,
              watermark: time(r.stored.watermark),
            })}
          </p>
          <p className="fd-muted">
            {t('review.period')}: {time(r.campaign.startsAt)} – {time(r.campaign.endsAt)} ({r.campaign.timezone})
          </p>
        </div>
        <ReviewActions campaignId={campaignId} review={r} />
      </div>
      {r.noData && (
        <p className="fd-state" data-testid="review-no-data">
          {t('review.noData')}
        </p>
      )}
      {r.summary && <p data-testid="review-summary">{r.summary}</p>}

      <section className="fd-card fd-review__section">
        <h2>{t('review.conventions')}</h2>
        <p data-testid="review-cpa-convention">{t('review.cpaConvention')}</p>
        <ScrollRegion>
          <table className="fd-table" data-testid="review-bands">
            <thead>
              <tr>
                <th>{t('review.band')}</th>
                <th>{t('review.range')}</th>
              </tr>
            </thead>
            <tbody>
              {r.bands.map((b) => (
                <tr key={b.status}>
                  <td>{b.label[locale]}</td>
                  <td>
                    {b.from === null ? '<' : formatPercent(b.from, locale, 0)}
                    {b.from !== null && b.to !== null ? ' – ' : ' '}
                    {b.to === null ? '>' : formatPercent(b.to, locale, 0)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
        <ul className="fd-review__conventions">
          {Object.entries(r.conventions).map(([k, v]) => (
            <li key={k}>
              <span className="fd-mono">{k}</span>: {v}
            </li>
          ))}
        </ul>
      </section>

      <section className="fd-card fd-review__section">
        <h2>{t('review.attainment')}</h2>
        <ScrollRegion>
          <table className="fd-table" data-testid="review-attainment">
            <thead>
              <tr>
                <th>{t('review.goal')}</th>
                <th>{t('review.target')}</th>
                <th>{t('review.actual')}</th>
                <th>{t('review.rate')}</th>
                <th>{t('review.status')}</th>
              </tr>
            </thead>
            <tbody>
              {r.attainment.map((g) => (
                <tr key={g.kpi} data-kpi={g.kpi} data-status={g.status ?? ''}>
                  <td>{g.label[locale]}</td>
                  <td>{figure(g.target, g.metric, currency, locale)}</td>
                  <td>{figure(g.actual, g.metric, currency, locale)}</td>
                  <td>{formatPercent(g.rate, locale, 1)}</td>
                  <td>
                    {g.status ? r.bands.find((b) => b.status === g.status)?.label[locale] : '—'}
                    {g.met !== null && ` · ${g.met ? t('review.met') : t('review.missed')}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
        {r.attainment.some((g) => g.rate !== null) && (
          <div className="fd-review__chart">
            <EChart
              label={t('review.attainment')}
              testId="review-attainment-chart"
              option={attainmentChartOption(r, { locale, label: goalLabel })}
            />
          </div>
        )}
      </section>

      <section className="fd-card fd-review__section">
        <h2>{t('review.efficiency')}</h2>
        <ScrollRegion>
          <table className="fd-table" data-testid="review-efficiency">
            <thead>
              <tr>
                <th>{t('review.scope')}</th>
                {REVIEW_KPIS.map((k) => (
                  <th key={k}>{k.toUpperCase().replace('_', ' ')}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              <KpiRow name={t('review.overall')} set={r.efficiency.overall} currency={currency} locale={locale} />
              {r.efficiency.channels.map((c) => (
                <KpiRow key={`c${c.name}`} name={t('review.channel', { name: c.name })} set={c} currency={currency} locale={locale} />
              ))}
              {r.efficiency.phases.map((p) => (
                <KpiRow key={`p${p.name}`} name={t('review.phase', { name: p.name })} set={p} currency={currency} locale={locale} />
              ))}
              {r.efficiency.outsidePhases && (
                <KpiRow name={t('review.outsidePhases')} set={r.efficiency.outsidePhases} currency={currency} locale={locale} />
              )}
            </tbody>
          </table>
        </ScrollRegion>
      </section>

      <BudgetSection review={r} />

      {r.daily.length > 0 && (
        <section className="fd-card fd-review__section">
          <h2>{t('review.daily')}</h2>
          <div className="fd-review__chart">
            <EChart
              label={t('review.daily')}
              testId="review-daily-chart"
              option={dailyChartOption(r, { locale, currency, spend: t('review.spend'), revenue: t('review.revenue') })}
            />
          </div>
        </section>
      )}

      <Highlights review={r} goalLabel={goalLabel} />
      <Timeline review={r} />
    </main>
  );
}

/** A goal's figure in its KPI's unit when the KPI module knows it, else as a plain number. */
function figure(value: number | null, metric: string | null, currency: string, locale: Locale): string {
  const id = metric ? metricIdOf(metric) : undefined;
  return id ? formatKpi(value, id, currency, locale) : value === null ? '—' : new Intl.NumberFormat(locale).format(value);
}

function KpiRow({ name, set, currency, locale }: { name: string; set: Kpis; currency: string; locale: Locale }) {
  return (
    <tr>
      <th scope="row">{name}</th>
      {REVIEW_KPIS.map((k) => (
        <td key={k}>{formatKpi(set.kpis[k], k, currency, locale)}</td>
      ))}
    </tr>
  );
}

function ReviewActions({ campaignId, review: r }: { campaignId: string; review: StoredReview }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const toast = useToast();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const versions = useReviewVersions(campaignId);
  const [busy, setBusy] = useState(false);
  const base = `/api/campaigns/${encodeURIComponent(campaignId)}`;
  const v = `?version=${r.stored.version}`;
  const recompute = async () => {
    setBusy(true);
    try {
      const stored = await api.recomputeReview(campaignId);
      await queryClient.invalidateQueries({ queryKey: keys.reviews(campaignId) });
      toast('success', t('review.recomputed', { version: stored.stored.version }));
      navigate(href.review(campaignId, stored.stored.version));
    } catch (err) {
      toast('error', errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="fd-review__actions fd-no-print">
      <label>
        {t('review.version')}{' '}
        <select
          data-testid="review-version"
          value={r.stored.version}
          onChange={(e) => navigate(href.review(campaignId, Number(e.target.value)))}
        >
          {(versions.data?.versions ?? [r.stored]).map((s, i) => (
            <option key={s.version} value={s.version}>
              {t('review.versionOption', { version: s.version, time: formatDateTime(s.computedAt, locale), actor: s.actor })}
              {i === 0 ? ` (${t('review.latest')})` : ''}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="fd-btn" disabled={busy} onClick={() => void recompute()} data-testid="review-recompute">
        {t('review.recompute')}
      </button>
      <a className="fd-btn" href={`${base}/review.csv${v}`} download>
        {t('review.csv')}
      </a>
      <a className="fd-btn" href={`${base}/review.pdf${v}&lang=${locale}`} data-testid="review-pdf">
        {t('review.pdf')}
      </a>
      <button type="button" className="fd-btn" onClick={() => window.print()}>
        {t('review.print')}
      </button>
    </div>
  );
}

function BudgetSection({ review: r }: { review: StoredReview }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const b = r.budget;
  const money = (v: number | null) => formatMoney(v, b?.currency ?? undefined, locale);
  return (
    <section className="fd-card fd-review__section">
      <h2>{t('review.budget')}</h2>
      {!b ? (
        <p className="fd-muted">{t('review.noBudget')}</p>
      ) : (
        <>
          <ScrollRegion>
            <table className="fd-table" data-testid="review-budget">
              <thead>
                <tr>
                  <th>{t('review.line')}</th>
                  <th>{t('review.planned')}</th>
                  <th>{t('review.actual')}</th>
                  <th>{t('review.variance')}</th>
                  <th>{t('review.burn')}</th>
                  <th>{t('review.status')}</th>
                </tr>
              </thead>
              <tbody>
                {b.lines.map((l) => (
                  <tr key={`${l.channel}/${l.phase ?? ''}`} data-channel={l.channel} data-overspent={l.overspent}>
                    <td>{l.phase ? `${l.channel} / ${l.phase}` : l.channel}</td>
                    <td>{money(l.planned)}</td>
                    <td>{money(l.actual)}</td>
                    <td>{money(l.variance)}</td>
                    <td>{formatPercent(l.burn, locale, 1)}</td>
                    <td>{l.overspent ? `${t('review.overspent')} ${money(l.overspend)}` : t('review.within')}</td>
                  </tr>
                ))}
                <tr>
                  <th scope="row">{t('review.total')}</th>
                  <td>{money(b.planned)}</td>
                  <td>{money(b.actual)}</td>
                  <td>{money(b.variance)}</td>
                  <td>{formatPercent(b.burn, locale, 1)}</td>
                  <td>{b.overspent ? t('review.overspent') : t('review.within')}</td>
                </tr>
              </tbody>
            </table>
          </ScrollRegion>
          {b.unplanned.map((u) => (
            <p key={u.channel}>
              {t('review.unplanned', { channel: u.channel })}: {money(u.actual)}
            </p>
          ))}
          {b.contingency && (
            <p data-testid="review-contingency">
              {t('review.contingency', {
                reserve: money(b.contingency.reserve),
                used: money(b.contingency.used),
                rate: formatPercent(b.contingency.usedRate, locale, 1),
              })}
              {b.contingency.exceededBy > 0 && t('review.contingencyExceeded', { by: money(b.contingency.exceededBy) })}
            </p>
          )}
        </>
      )}
    </section>
  );
}

function Highlights({ review: r, goalLabel }: { review: StoredReview; goalLabel: (kpi: string) => string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const h = r.highlights;
  const currency = r.budget?.currency ?? 'CNY';
  const items = [
    h.topChannel && t('review.topChannel', { name: h.topChannel.name, share: formatPercent(h.topChannel.share, locale, 1) }),
    h.topPhase && t('review.topPhase', { name: h.topPhase.name, share: formatPercent(h.topPhase.share, locale, 1) }),
    ...h.missed.map((m) =>
      t('review.missedBy', {
        kpi: goalLabel(m.kpi),
        actual: figure(m.actual, m.metric, currency, locale),
        target: figure(m.target, m.metric, currency, locale),
        rate: formatPercent(m.rate, locale, 1),
      }),
    ),
    ...h.overspentLines.map((l) =>
      t('review.overspentLine', {
        line: l.phase ? `${l.channel} / ${l.phase}` : l.channel,
        by: formatMoney(l.overspend, currency, locale),
      }),
    ),
    ...h.topRules.map((rule) => t('review.topRule', { rule: rule.ruleId, count: rule.fired + rule.refired })),
  ].filter((x): x is string => !!x);
  return (
    <section className="fd-card fd-review__section">
      <h2>{t('review.highlights')}</h2>
      <ul data-testid="review-highlights">
        {items.length ? items.map((x) => <li key={x}>{x}</li>) : <li>{t('review.nothingNotable')}</li>}
      </ul>
    </section>
  );
}

function Timeline({ review: r }: { review: StoredReview }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const tl = r.timeline;
  const time = (v: string | null) => formatDateTime(v, locale);
  return (
    <section className="fd-card fd-review__section" data-testid="review-timeline">
      <h2>{t('review.timeline')}</h2>
      <h3>{t('review.approvals')}</h3>
      {tl.approvals.length === 0 && <p className="fd-muted">{t('review.noApprovals')}</p>}
      <ul>
        {tl.approvals.map((a) => (
          <li key={a.taskId}>
            <strong>{a.title}</strong> · {a.status} · {time(a.openedAt)} ·{' '}
            {a.durationMs === null ? t('review.open_') : t('review.took', { duration: formatMs(a.durationMs) })}
            <ul>
              {a.votes.map((v, i) => (
                <li key={i}>
                  {t('review.vote', { name: v.name, decision: v.decision, after: formatMs(v.afterMs) })}
                  {v.comment && <q> {v.comment}</q>}
                </li>
              ))}
              {a.escalations.map((e, i) => (
                <li key={`e${i}`}>{t('review.escalated', { time: time(e.at), reason: e.reason })}</li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
      <p>{tl.launch ? t('review.launch', { time: time(tl.launch.at) }) : t('review.notLaunched')}</p>
      <h3>{t('review.alerts')}</h3>
      {tl.alerts.length === 0 && <p className="fd-muted">{t('review.noAlerts')}</p>}
      <ul>
        {tl.alerts.map((a) => (
          <li key={a.id}>
            {t('review.alertLine', { rule: a.ruleId, channel: a.channel ?? '—', severity: a.severity, time: time(a.firedAt) })} ·{' '}
            {a.acknowledgedAt ? t('review.acked', { who: a.acknowledgedBy ?? '—', after: formatMs(a.ackAfterMs) }) : t('review.notAcked')}
            {a.escalations.length > 0 && ` · ${t('review.escalations', { count: a.escalations.length })}`}
            {a.resolvedAt && ` · ${t('review.resolvedAfter', { after: formatMs(a.resolveAfterMs) })}`}
          </li>
        ))}
      </ul>
      <h3>{t('review.phaseChanges')}</h3>
      {tl.phaseChanges.length === 0 && <p className="fd-muted">{t('review.noPhaseChanges')}</p>}
      <ul>
        {tl.phaseChanges.flatMap((c, i) =>
          c.changes.map((ch) => (
            <li key={`${i}${ch.phase}`}>
              {t('review.phaseChange', {
                time: time(c.at),
                actor: c.actor ?? '—',
                phase: ch.phase,
                from: `${time(ch.startsAt.from)} – ${time(ch.endsAt.from)}`,
                to: `${time(ch.startsAt.to)} – ${time(ch.endsAt.to)}`,
              })}
            </li>
          )),
        )}
      </ul>
      <h3>{t('review.events')}</h3>
      <ol className="fd-review__events">
        {tl.events.map((e, i) => (
          <li key={i}>
            <span className="fd-mono">{time(e.at)}</span> {e.text}
          </li>
        ))}
      </ol>
    </section>
  );
}
