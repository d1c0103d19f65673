import { useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { fileLineOf, INGEST_LIMITS, splitMetricsCsv, type CsvBatch, problemText } from '@flightdeck/workflows';
import { api, ApiError } from '../api/client.ts';
import { keys } from '../api/queries.ts';
import { useErrorText } from '../components/errorText.ts';
import { useLocale } from '../i18n/index.ts';

/** Small enough that the bar moves on a scenario file (15,000 points: 8 batches), well under the API's limit. */
const BATCH_POINTS = Math.min(2000, INGEST_LIMITS.points);
const SHOWN_PROBLEMS = 5;

interface Upload {
  file: string;
  done: number;
  total: number;
  accepted: number;
  replaced: number;
  state: 'sending' | 'done' | 'failed';
  error?: string;
  /** The refused batch's bad points, with the file's line numbers. */
  problems?: string[];
}

/**
 * Uploads a metrics file (the scenario format) in batches, one after another, with a progress bar.
 * Each batch is stored whole or refused whole, so a refusal stops the upload with the batches
 * before it stored; sending the file again replaces those points rather than doubling them.
 */
export function MetricsCard({ campaignId }: { campaignId: string }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const locale = useLocale();
  const qc = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [upload, setUpload] = useState<Upload | null>(null);

  const send = async (file: File) => {
    const text = await file.text();
    const batches = splitMetricsCsv(text, BATCH_POINTS);
    const progress: Upload = { file: file.name, done: 0, total: batches.length, accepted: 0, replaced: 0, state: 'sending' };
    setUpload({ ...progress });
    for (const batch of batches) {
      try {
        const r = await api.postMetricsCsv(campaignId, batch.text);
        progress.done++;
        progress.accepted += r.accepted;
        progress.replaced += r.replaced;
        setUpload({ ...progress });
        // The charts above draw what is stored so far.
        void qc.invalidateQueries({ queryKey: keys.campaignMetrics(campaignId) });
      } catch (e) {
        setUpload({ ...progress, state: 'failed', error: errorText(e), problems: problemsOf(e, text, batch) });
        return;
      }
    }
    setUpload({ ...progress, state: progress.total ? 'done' : 'failed', ...(progress.total ? {} : { error: t('metrics.empty') }) });
  };

  /** The refusal's "line.<n>.<field>" paths, as lines of the file the user picked. */
  const problemsOf = (e: unknown, text: string, batch: CsvBatch): string[] | undefined => {
    if (!(e instanceof ApiError) || !e.problem.errors?.length) return undefined;
    return e.problem.errors.slice(0, SHOWN_PROBLEMS).map((err) => {
      const m = /^line\.(\d+)(?:\.(\w+))?$/.exec(err.path);
      if (!m) return problemText(err, locale);
      const line = fileLineOf(text, batch, Number(m[1]));
      return t('metrics.problem', { line, field: m[2] ?? t('metrics.row'), message: problemText(err, locale) });
    });
  };

  const sending = upload?.state === 'sending';
  return (
    <section className="fd-card fd-section fd-section--wide" aria-labelledby="metrics-h" data-testid="campaign-metrics">
      <div className="fd-section__head">
        <h2 id="metrics-h">{t('metrics.title')}</h2>
        <button type="button" className="fd-btn fd-btn--small" disabled={sending} onClick={() => input.current?.click()}>
          {t('metrics.upload')}
        </button>
        <input
          ref={input}
          type="file"
          accept=".csv,text/csv"
          hidden
          data-testid="metrics-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void send(f);
          }}
        />
      </div>
      <p className="fd-muted">{t('metrics.help', { header: 'ts,channel,metric,value' })}</p>
      {upload && (
        <div className="fd-metrics-upload" data-testid="metrics-upload" data-state={upload.state}>
          <p>
            <span className="fd-mono">{upload.file}</span> · {t('metrics.batches', { done: upload.done, total: upload.total })}
          </p>
          <progress
            className="fd-metrics-upload__bar"
            max={Math.max(upload.total, 1)}
            value={upload.done}
            aria-label={t('metrics.progress')}
            data-testid="metrics-progress"
          />
          <p data-testid="metrics-counts">{t('metrics.counts', { accepted: upload.accepted, replaced: upload.replaced })}</p>
          {upload.state === 'done' && <p className="fd-success-text">{t('metrics.done')}</p>}
          {upload.state === 'failed' && (
            <div role="alert" className="fd-error-text" data-testid="metrics-error">
              <p>{t('metrics.failed', { done: upload.done, detail: upload.error })}</p>
              {upload.problems && (
                <ul>
                  {upload.problems.map((p, i) => (
                    <li key={i}>{p}</li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </div>
      )}
    </section>
  );
}
