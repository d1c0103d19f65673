import type { FlowDiff } from '@flightdeck/workflows';
import { useTranslation } from 'react-i18next';
import { Modal } from '../components/Modal.tsx';
import { DiffList } from './DiffList.tsx';

/** A save refused because someone else saved first: what they changed (from yours to theirs), and the two ways out. */
export function ConflictDialog(props: { diff: FlowDiff; busy: boolean; onReload: () => void; onKeepMine: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal
      title={t('conflict.title')}
      testId="conflict-dialog"
      footer={
        <>
          <button type="button" className="fd-btn" data-testid="conflict-reload" disabled={props.busy} onClick={props.onReload}>
            {t('conflict.reload')}
          </button>
          <button
            type="button"
            className="fd-btn fd-btn--primary"
            data-testid="conflict-keep"
            disabled={props.busy}
            onClick={props.onKeepMine}
          >
            {t('conflict.keepMine')}
          </button>
        </>
      }
    >
      <p>{t('conflict.body')}</p>
      <DiffList diff={props.diff} />
    </Modal>
  );
}
