import { useTranslation } from 'react-i18next';
import { formatDuration } from '@flightdeck/workflows';
import { useSchedule, useUnpublish } from '../api/queries.ts';
import { nodeText } from '../catalogue.ts';
import type { FlowSchedule } from '../api/types.ts';
import { PanelQuery } from '../components/PanelQuery.tsx';
import { useOptionalAuth } from '../auth/AuthProvider.tsx';
import { mayDo } from '../auth/permissions.ts';
import { useErrorText } from '../components/errorText.ts';
import { formatShortDateTime } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { useLocale } from '../i18n/index.ts';
import { href } from '../routes.ts';

/**
 * The published schedule as Temporal holds it, not as the draft says: which version it starts,
 * when it fires next, what it does when a run overlaps or runs were missed, and what it started.
 */
export function SchedulePanel({
  flowId,
  departmentId,
  draftAhead,
}: {
  flowId: string | null;
  departmentId: string | null | undefined;
  draftAhead: boolean;
}) {
  const { t } = useTranslation();
  const schedule = useSchedule(flowId);
  if (!flowId) return <p className="fd-muted fd-pad">{t('schedule.publishFirst')}</p>;
  return (
    <PanelQuery query={schedule} loadError={(detail) => t('schedule.loadError', { detail })}>
      {(s) =>
        s ? (
          <ScheduleFacts s={s} flowId={flowId} departmentId={departmentId} draftAhead={draftAhead} />
        ) : (
          <p className="fd-muted fd-pad" data-testid="schedule-none">
            {t('schedule.none')}
          </p>
        )
      }
    </PanelQuery>
  );
}

function ScheduleFacts({
  s,
  flowId,
  departmentId,
  draftAhead,
}: {
  s: FlowSchedule;
  flowId: string;
  departmentId: string | null | undefined;
  draftAhead: boolean;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const errorText = useErrorText();
  const auth = useOptionalAuth();
  const unpublish = useUnpublish(flowId);
  // Field names and policy names are the schedule trigger's own, as its inspector shows them.
  const fields = nodeText('trigger.schedule', locale)?.fields;
  return (
    <div className="fd-pad fd-schedule" data-testid="schedule-panel">
      <dl className="fd-facts fd-schedule__facts">
        <dt>{t('schedule.version')}</dt>
        <dd data-testid="schedule-version">
          v{s.version ?? '?'}
          {draftAhead && <span className="fd-muted fd-small"> · {t('schedule.draftAhead')}</span>}
        </dd>
        <dt>{fields?.cron?.label}</dt>
        <dd>
          <code data-testid="schedule-cron">{s.cron ?? '—'}</code> · {s.timezone ?? 'UTC'}
        </dd>
        <dt>{fields?.overlap?.label}</dt>
        <dd data-testid="schedule-overlap" data-policy={s.overlap}>
          <strong>{fields?.overlap?.options?.[s.overlap] ?? s.overlap}</strong>
          <div className="fd-muted fd-small">{t(`schedule.overlapHelp.${s.overlap}`)}</div>
        </dd>
        <dt>{fields?.catchupWindow?.label}</dt>
        <dd data-testid="schedule-catchup">
          {formatDuration(s.catchupWindowMs)}
          <div className="fd-muted fd-small">{t('schedule.catchupHelp', { window: formatDuration(s.catchupWindowMs) })}</div>
        </dd>
        <dt>{t('schedule.state')}</dt>
        <dd>{s.paused ? t('schedule.paused') : t('schedule.active')}</dd>
      </dl>
      <div className="fd-schedule__lists">
        <section aria-labelledby="schedule-next">
          {/* In the schedule's own zone: "09:30 Asia/Shanghai" is what the designer wrote. */}
          <h3 id="schedule-next" className="fd-schedule__heading">
            {t('schedule.next')} <span className="fd-schedule__zone">({s.timezone ?? 'UTC'})</span>
          </h3>
          <ol className="fd-schedule__times" data-testid="schedule-next-runs">
            {s.nextRuns.map((at) => (
              <li key={at}>{formatShortDateTime(at, locale, s.timezone)}</li>
            ))}
          </ol>
        </section>
        <section aria-labelledby="schedule-recent">
          <h3 id="schedule-recent" className="fd-schedule__heading">
            {t('schedule.recent')} <span className="fd-schedule__zone">({s.timezone ?? 'UTC'})</span>
          </h3>
          {s.recentRuns.length ? (
            <ol className="fd-schedule__times" data-testid="schedule-recent-runs">
              {[...s.recentRuns].reverse().map((r) => (
                <li key={r.workflowId}>
                  {r.runId ? (
                    <Link href={href.run(r.runId)}>{formatShortDateTime(r.at, locale, s.timezone)}</Link>
                  ) : (
                    formatShortDateTime(r.at, locale, s.timezone)
                  )}
                </li>
              ))}
            </ol>
          ) : (
            <p className="fd-muted fd-small">{t('schedule.noneYet')}</p>
          )}
        </section>
      </div>
      {mayDo(auth?.user, 'flows:publish', departmentId ?? undefined) && (
        <p>
          <button
            type="button"
            className="fd-btn fd-btn--small"
            data-testid="schedule-unpublish"
            disabled={unpublish.isPending}
            onClick={() => {
              if (window.confirm(t('schedule.confirmUnpublish'))) unpublish.mutate();
            }}
          >
            {t('schedule.unpublish')}
          </button>
          {unpublish.isError && <span className="fd-error-text fd-small"> {errorText(unpublish.error)}</span>}
        </p>
      )}
    </div>
  );
}
