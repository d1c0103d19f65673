import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useResendDelivery, useRunDeliveries } from '../api/queries.ts';
import { Modal } from '../components/Modal.tsx';
import type { Delivery } from '../api/types.ts';
import { useErrorText } from '../components/errorText.ts';
import { formatDateTime } from '../components/format.ts';
import { useLocale } from '../i18n/index.ts';
import { ScrollRegion } from '../components/ScrollRegion.tsx';

/** Every message the run sent or holds, from the delivery ledger: the answer to "did it go out?". */
export function RunDeliveries({ runId, live, canResend = false }: { runId: string; live: boolean; canResend?: boolean }) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState<Delivery | null>(null);
  const locale = useLocale();
  const errorText = useErrorText();
  const deliveries = useRunDeliveries(runId, live);
  const data = deliveries.data;
  // Polling stops with the run, up to 2 s after its last send: read once more so the table ends complete.
  const wasLive = useRef(live);
  const { refetch } = deliveries;
  useEffect(() => {
    if (wasLive.current && !live) void refetch();
    wasLive.current = live;
  }, [live, refetch]);
  const resendColumn = canResend && !!data?.items.some((d) => d.resendable || d.resendOf);
  return (
    <section className="fd-deliveries" aria-labelledby="deliveries-title" data-testid="run-deliveries">
      <h2 id="deliveries-title" className="fd-deliveries__title">
        {t('deliveries.title')}
        {data?.total ? (
          <span className="fd-muted fd-deliveries__counts" data-testid="deliveries-counts">
            {(['sent', 'unconfirmed', 'held', 'sending', 'failed'] as const)
              .filter((s) => data.counts[s])
              .map((s) => `${t(`deliveries.status.${s}`)} ${data.counts[s]}`)
              .join(' · ')}
            {data.items.length < data.total && ` · ${t('deliveries.showing', { shown: data.items.length, total: data.total })}`}
          </span>
        ) : null}
      </h2>
      {deliveries.isPending && <p className="fd-muted fd-small">{t('common.loading')}</p>}
      {deliveries.isError && (
        <p className="fd-error-text fd-small" role="alert" data-testid="deliveries-error">
          {t('deliveries.loadError')}: {errorText(deliveries.error)}{' '}
          <button type="button" className="fd-btn fd-btn--small" onClick={() => void deliveries.refetch()}>
            {t('common.retry')}
          </button>
        </p>
      )}
      {/* Most runs send nothing: one quiet line rather than a big empty state under the graph. */}
      {data && !data.items.length && (
        <p className="fd-muted fd-small" data-testid="deliveries-empty">
          {t('deliveries.emptyText')}
        </p>
      )}
      {data && data.items.length > 0 && (
        <ScrollRegion>
          <table className="fd-table">
            <thead>
              <tr>
                <th>{t('deliveries.node')}</th>
                <th>{t('deliveries.channel')}</th>
                <th>{t('deliveries.recipient')}</th>
                <th>{t('deliveries.statusCol')}</th>
                <th>{t('deliveries.attempts')}</th>
                <th>{t('deliveries.sentAt')}</th>
                {resendColumn && <th>{t('deliveries.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {data.items.map((d) => (
                <tr key={d.id} data-testid="delivery-row" data-status={d.status} data-channel={d.channel}>
                  <td>{d.nodeId ?? '—'}</td>
                  <td>
                    {t(`deliveries.channels.${d.channel}`, { defaultValue: d.channel })}
                    {d.connectionName && <div className="fd-muted fd-small">{d.connectionName}</div>}
                  </td>
                  <td className="fd-deliveries__recipient" title={d.recipient}>
                    {d.recipientName ?? (d.recipient === 'channel' ? t('deliveries.wholeChannel') : d.recipient)}
                  </td>
                  <td>
                    <DeliveryStatus delivery={d} locale={locale} />
                  </td>
                  <td>{d.attempts}</td>
                  <td>{formatDateTime(d.sentAt, locale)}</td>
                  {resendColumn && (
                    <td>
                      {d.resendable && (
                        <button
                          type="button"
                          className="fd-btn fd-btn--small"
                          data-testid="delivery-resend"
                          onClick={() => setConfirming(d)}
                        >
                          {t('deliveries.resend')}
                        </button>
                      )}
                      {d.resendOf && <div className="fd-small fd-muted">{t('deliveries.isResend')}</div>}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      {confirming && <ResendDialog runId={runId} delivery={confirming} onClose={() => setConfirming(null)} />}
    </section>
  );
}

/** Asks before a resend: nobody knows whether the first one arrived, so the recipient may get it twice. */
function ResendDialog({ runId, delivery, onClose }: { runId: string; delivery: Delivery; onClose: () => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const resend = useResendDelivery(runId);
  const who = delivery.recipientName ?? delivery.recipient;
  return (
    <Modal
      title={t('deliveries.resendTitle')}
      onClose={onClose}
      testId="resend-dialog"
      footer={
        <>
          <button type="button" className="fd-btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            className="fd-btn fd-btn--primary"
            data-testid="resend-confirm"
            disabled={resend.isPending}
            onClick={() => resend.mutate(delivery.id, { onSuccess: onClose })}
          >
            {resend.isPending ? t('deliveries.resending') : t('deliveries.resendConfirm')}
          </button>
        </>
      }
    >
      <p data-testid="resend-warning">{t('deliveries.resendWarning', { who })}</p>
      {resend.isError && (
        <p className="fd-error-text" role="alert" data-testid="resend-error">
          {errorText(resend.error)}
        </p>
      )}
    </Modal>
  );
}

function DeliveryStatus({ delivery: d, locale }: { delivery: Delivery; locale: ReturnType<typeof useLocale> }) {
  const { t } = useTranslation();
  return (
    <>
      <span className={`fd-badge delivery-${d.status}`} data-testid="delivery-status">
        {t(`deliveries.status.${d.status}`)}
      </span>
      {d.status === 'held' && d.reason && (
        <div className="fd-small fd-muted" data-testid="delivery-held">
          {t(`deliveries.reason.${d.reason}`)}
          {d.notBefore && ` · ${t('deliveries.until', { time: formatDateTime(d.notBefore, locale) })}`}
        </div>
      )}
      {d.wasHeld && (
        <div className="fd-small fd-muted" data-testid="delivery-was-held">
          {d.wasHeld.until
            ? t('deliveries.wasHeld', { reason: t(`deliveries.reason.${d.wasHeld.reason}`), time: formatDateTime(d.wasHeld.until, locale) })
            : t('deliveries.wasHeldPaused', { reason: t(`deliveries.reason.${d.wasHeld.reason}`) })}
        </div>
      )}
      {d.error && (
        <div className={`fd-small ${d.status === 'unconfirmed' ? 'fd-muted' : 'fd-error-text'}`} data-testid="delivery-error">
          {d.error}
        </div>
      )}
    </>
  );
}
