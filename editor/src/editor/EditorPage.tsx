import { useEffect, useMemo, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import { useErrorText } from '../components/errorText.ts';
import { openedFlowReadAt, releaseOpenedFlow } from '../api/openedFlow.ts';
import { useFlow } from '../api/queries.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { Link } from '../components/Link.tsx';
import { initialGraph } from '../flow/graph.ts';
import { href } from '../routes.ts';
import { FlowEditor } from './FlowEditor.tsx';

/** Loads a flow (or starts a new, unsaved one) and hands it to the editor. */
export function EditorPage({ flowId }: { flowId: string | null }) {
  const { t } = useTranslation();
  // A flow created from #/flows/new keeps its editor instance (and viewport) when the URL gains its id.
  const [createdId, setCreatedId] = useState<string | null>(null);
  const adopted = flowId !== null && flowId === createdId;
  const [readSince] = useState(() => openedFlowReadAt(flowId));
  useEffect(() => releaseOpenedFlow(flowId), [flowId]);
  const flow = useFlow(flowId && !adopted ? flowId : undefined, readSince);
  const blank = useMemo(() => initialGraph(), []);
  const errorText = useErrorText();

  if (flowId === null || adopted) {
    return (
      <ReactFlowProvider key="new">
        <FlowEditor flow={null} initialGraph={blank} onCreated={setCreatedId} />
      </ReactFlowProvider>
    );
  }
  // A cached copy may be stale; wait for this visit's read before the editor takes its draft from it.
  const readThisVisit = flow.isFetchedAfterMount || (readSince !== null && flow.dataUpdatedAt >= readSince);
  if (flow.isPending || (flow.isFetching && !readThisVisit)) {
    return (
      <div className="fd-app">
        <AppHeader />
        <p className="fd-muted fd-pad">{t('common.loading')}</p>
      </div>
    );
  }
  if (flow.isError) {
    return (
      <div className="fd-app">
        <AppHeader />
        <div className="fd-state fd-state--error" role="alert" data-testid="flow-error">
          <h2>{flow.error instanceof ApiError && flow.error.status === 404 ? t('editor.notFound') : t('editor.loadError')}</h2>
          <p>{errorText(flow.error)}</p>
          <div className="fd-state__actions">
            <button type="button" className="fd-btn" onClick={() => void flow.refetch()}>
              {t('common.retry')}
            </button>
            <Link className="fd-btn" href={href.flows()}>
              {t('editor.backToList')}
            </Link>
          </div>
        </div>
      </div>
    );
  }
  return (
    <ReactFlowProvider key={flow.data.id}>
      <FlowEditor flow={flow.data} initialGraph={flow.data.graph ?? blank} onCreated={setCreatedId} />
    </ReactFlowProvider>
  );
}
