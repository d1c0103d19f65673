import { useTranslation } from 'react-i18next';
import { useRunAction } from '../api/queries.ts';
import type { Run } from '../api/types.ts';
import { useErrorText } from '../components/errorText.ts';
import { useToast } from '../components/Toasts.tsx';
import { navigate, href } from '../routes.ts';

/**
 * Re-run (a new run of the same version, input and campaign) and, for a failed run, retry from the failed step;
 * both ask first. The Temporal UI link shows only when the server has one configured.
 */
export function RunActions({ run, status }: { run: Pick<Run, 'id' | 'temporalUiUrl'>; status: Run['status'] }) {
  const { t } = useTranslation();
  const toast = useToast();
  const errorText = useErrorText();
  const rerun = useRunAction(run.id, 'rerun');
  const retry = useRunAction(run.id, 'retry');
  return (
    <>
      {status === 'failed' && (
        <button
          type="button"
          className="fd-btn fd-btn--primary"
          data-testid="run-retry"
          disabled={retry.isPending}
          onClick={() => {
            if (!window.confirm(t('run.confirmRetry'))) return;
            retry.mutate(undefined, {
              onSuccess: () => toast('info', t('run.retried')),
              onError: (e) => toast('error', t('run.retryFailed', { detail: errorText(e) })),
            });
          }}
        >
          {retry.isPending ? t('run.retrying') : t('run.retry')}
        </button>
      )}
      {status !== 'running' && (
        <button
          type="button"
          className="fd-btn"
          data-testid="run-rerun"
          disabled={rerun.isPending}
          onClick={() => {
            if (!window.confirm(t('run.confirmRerun'))) return;
            rerun.mutate(undefined, {
              onSuccess: (next) => {
                toast('info', t('run.rerunStarted'));
                navigate(href.run(next.id));
              },
              onError: (e) => toast('error', t('run.rerunFailed', { detail: errorText(e) })),
            });
          }}
        >
          {rerun.isPending ? t('run.rerunning') : t('run.rerun')}
        </button>
      )}
      {run.temporalUiUrl && (
        <a
          className="fd-btn fd-btn--link"
          href={run.temporalUiUrl}
          target="_blank"
          rel="noopener noreferrer"
          data-testid="run-temporal-link"
        >
          {t('run.temporalUi')}
        </a>
      )}
    </>
  );
}
