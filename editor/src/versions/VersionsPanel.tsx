import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import { useVersions } from '../api/queries.ts';
import type { FlowVersion } from '../api/types.ts';
import { Modal } from '../components/Modal.tsx';
import { PanelQuery } from '../components/PanelQuery.tsx';
import { useErrorText } from '../components/errorText.ts';
import { formatDateTime } from '../components/format.ts';
import { useLocale } from '../i18n/index.ts';
import { DiffCanvas } from './DiffCanvas.tsx';
import { DiffList } from './DiffList.tsx';

/** Every published version (who, when, note); pick two to compare them, or roll back to one. */
export function VersionsPanel(props: { flowId: string | null; canPublish: boolean; onRollback: (version: number) => Promise<void> }) {
  const { t } = useTranslation();
  const versions = useVersions(props.flowId ?? undefined);
  const [picked, setPicked] = useState<number[]>([]);
  const [comparing, setComparing] = useState<[number, number] | null>(null);
  if (!props.flowId) return <p className="fd-muted fd-pad">{t('versions.saveFirst')}</p>;
  const toggle = (v: number) => setPicked((p) => (p.includes(v) ? p.filter((x) => x !== v) : [...p, v].slice(-2)));
  return (
    <PanelQuery query={versions} loadError={(detail) => t('versions.loadError', { detail })}>
      {(items) =>
        items.length ? (
          <>
            <div className="fd-pad fd-row">
              <button
                type="button"
                className="fd-btn"
                data-testid="compare-versions"
                disabled={picked.length !== 2}
                onClick={() => setComparing([Math.min(...picked), Math.max(...picked)] as [number, number])}
              >
                {t('versions.compare')}
              </button>
              <span className="fd-muted">{t('versions.pickTwo')}</span>
            </div>
            <VersionsTable items={items} picked={picked} onToggle={toggle} canPublish={props.canPublish} onRollback={props.onRollback} />
            {comparing && <DiffDialog flowId={props.flowId!} a={comparing[0]} b={comparing[1]} onClose={() => setComparing(null)} />}
          </>
        ) : (
          <p className="fd-muted fd-pad">{t('versions.none')}</p>
        )
      }
    </PanelQuery>
  );
}

function VersionsTable(props: {
  items: FlowVersion[];
  picked: number[];
  onToggle: (v: number) => void;
  canPublish: boolean;
  onRollback: (version: number) => Promise<void>;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const latest = Math.max(...props.items.map((v) => v.version));
  return (
    <table className="fd-table fd-table--compact" data-testid="versions-panel">
      <thead>
        <tr>
          <th>{t('versions.pick')}</th>
          <th>{t('versions.version')}</th>
          <th>{t('versions.by')}</th>
          <th>{t('versions.when')}</th>
          <th>{t('versions.note')}</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {props.items.map((v) => (
          <tr key={v.id} data-testid={`version-row-${v.version}`}>
            <td>
              <input
                type="checkbox"
                data-testid={`pick-version-${v.version}`}
                aria-label={t('versions.pickOne', { version: v.version })}
                checked={props.picked.includes(v.version)}
                onChange={() => props.onToggle(v.version)}
              />
            </td>
            <td>v{v.version}</td>
            <td>{v.createdBy?.name ?? t('versions.unknownAuthor')}</td>
            <td>{formatDateTime(v.createdAt, locale)}</td>
            <td>{v.note || <span className="fd-muted">—</span>}</td>
            <td>
              {props.canPublish && v.version !== latest && (
                <button
                  type="button"
                  className="fd-btn fd-btn--small"
                  data-testid={`rollback-${v.version}`}
                  onClick={() => {
                    if (window.confirm(t('versions.confirmRollback', { version: v.version }))) void props.onRollback(v.version);
                  }}
                >
                  {t('versions.rollback')}
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DiffDialog(props: { flowId: string; a: number; b: number; onClose: () => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const diff = useQuery({
    queryKey: ['flows', props.flowId, 'diff', props.a, props.b],
    queryFn: () => api.diffVersions(props.flowId, props.a, props.b),
  });
  return (
    <Modal title={t('versions.diffTitle', { a: props.a, b: props.b })} onClose={props.onClose} wide testId="diff-dialog">
      {diff.isPending ? (
        <p className="fd-muted">{t('common.loading')}</p>
      ) : diff.isError ? (
        <p className="fd-error-text">{errorText(diff.error)}</p>
      ) : (
        <div className="fd-diffview">
          <div className="fd-diffview__canvas">
            <DiffCanvas from={diff.data.from.graph} to={diff.data.to.graph} diff={diff.data.diff} />
          </div>
          <div className="fd-diffview__side">
            <p className="fd-difflegend">
              <span className="fd-difflegend__added">{t('versions.legendAdded')}</span>{' '}
              <span className="fd-difflegend__removed">{t('versions.legendRemoved')}</span>{' '}
              <span className="fd-difflegend__changed">{t('versions.legendChanged')}</span>
            </p>
            <DiffList diff={diff.data.diff} />
          </div>
        </div>
      )}
    </Modal>
  );
}
