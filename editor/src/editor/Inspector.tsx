import { problemText } from '@flightdeck/workflows';
import type { CSSProperties } from 'react';
import { useReactFlow } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import { handleLabel, handlesFor, nodeText, nodeType } from '../catalogue.ts';
import { useLocale } from '../i18n/index.ts';
import type { CanvasEdge, CanvasNode } from '../flow/graph.ts';
import type { IssueIndex } from '../flow/issues.ts';
import { NodeIcon } from '../flow/NodeIcon.tsx';
import { JsonField } from './JsonField.tsx';
import { MonitorPreview } from './MonitorPreview.tsx';
import { FlowLessons } from '../lessons/FlowLessons.tsx';
import { SchemaForm } from './SchemaForm.tsx';
import type { JsonSchema } from './schema.ts';
import type { FlowDraft } from './useFlowDraft.ts';

/** The right-hand panel: the selected node's settings, the selected edge, or the flow itself. */
export function Inspector(props: {
  draft: FlowDraft;
  issues: IssueIndex;
  description: string;
  onDescription: (s: string) => void;
  /** Opens "Connect to…" from this node: the keyboard's way to draw an edge. */
  onConnectFrom: (nodeId: string) => void;
}) {
  const { t } = useTranslation();
  const selectedNodes = props.draft.nodes.filter((n) => n.selected);
  const selectedEdges = props.draft.edges.filter((e) => e.selected);

  let body;
  if (selectedNodes.length === 1 && selectedEdges.length === 0) {
    body = <NodeInspector node={selectedNodes[0]!} draft={props.draft} issues={props.issues} onConnectFrom={props.onConnectFrom} />;
  } else if (selectedEdges.length === 1 && selectedNodes.length === 0) {
    body = <EdgeInspector edge={selectedEdges[0]!} draft={props.draft} issues={props.issues} />;
  } else if (selectedNodes.length + selectedEdges.length > 1) {
    body = <p className="fd-muted">{t('inspector.multiple', { count: selectedNodes.length + selectedEdges.length })}</p>;
  } else {
    body = (
      <div className="fd-form">
        <div className="fd-field">
          <label className="fd-field__label" htmlFor="flow-description">
            {t('inspector.flowDescription')}
          </label>
          <textarea
            id="flow-description"
            data-testid="flow-description"
            className="fd-input"
            rows={4}
            value={props.description}
            onChange={(e) => props.onDescription(e.target.value)}
          />
        </div>
        <dl className="fd-facts">
          <dt>{t('inspector.nodes')}</dt>
          <dd>{props.draft.nodes.length}</dd>
          <dt>{t('inspector.edges')}</dt>
          <dd>{props.draft.edges.length}</dd>
        </dl>
        <p className="fd-muted">{t('inspector.nothingSelected')}</p>
        <FlowLessons />
      </div>
    );
  }
  return (
    <aside className="fd-inspector" aria-label={t('inspector.title')} data-testid="inspector">
      <h2 className="fd-panel__title">{t('inspector.title')}</h2>
      {body}
    </aside>
  );
}

function NodeInspector(props: { node: CanvasNode; draft: FlowDraft; issues: IssueIndex; onConnectFrom: (nodeId: string) => void }) {
  const { node, draft, issues } = props;
  const { t } = useTranslation();
  // Through React Flow, so the button asks and records an undo step exactly as the Delete key does.
  const { deleteElements } = useReactFlow();
  const locale = useLocale();
  const desc = nodeType(node.data.type);
  const text = nodeText(node.data.type, locale);
  const nodeIssues = issues.byNode.get(node.id) ?? [];
  const generalIssues = nodeIssues.filter((i) => !(i.path[0] === 'nodes' && i.path[2] === 'config'));

  return (
    <div className="fd-inspector__node" data-testid="inspector-node" data-node-id={node.id}>
      <header className="fd-inspector__head" style={{ '--node-color': desc?.editor.color ?? '#64748b' } as CSSProperties}>
        <span className="fd-node__icon" aria-hidden>
          <NodeIcon type={node.data.type} />
        </span>
        <div>
          <div className="fd-inspector__type">{text?.title ?? node.data.type}</div>
          <code className="fd-muted">{node.data.type}</code>
        </div>
      </header>
      {text?.description && <p className="fd-inspector__desc">{text.description}</p>}
      {generalIssues.length > 0 && (
        <ul className="fd-field__issues">
          {generalIssues.map((i, n) => (
            <li key={n}>{problemText(i, locale)}</li>
          ))}
        </ul>
      )}
      <div className="fd-form">
        <div className="fd-field">
          <label className="fd-field__label" htmlFor="inspector-id">
            {t('inspector.id')}
          </label>
          <input id="inspector-id" data-testid="inspector-id" className="fd-input fd-mono" readOnly value={node.id} />
          <p className="fd-field__help">{t('inspector.idHelp', { id: node.id })}</p>
        </div>
        <div className="fd-field">
          <label className="fd-field__label" htmlFor="inspector-label">
            {t('inspector.label')}
          </label>
          <input
            id="inspector-label"
            data-testid="inspector-label"
            className="fd-input"
            maxLength={200}
            value={node.data.label ?? ''}
            placeholder={text?.title}
            onChange={(e) => draft.updateNodeData(node.id, { label: e.target.value || undefined })}
          />
        </div>
      </div>
      {desc ? (
        <SchemaForm
          key={node.id}
          nodeId={node.id}
          schema={desc.configSchema as JsonSchema}
          value={node.data.config}
          onChange={(config) => draft.updateNodeData(node.id, { config })}
          text={text}
          fallbackText={desc.text.en}
          issues={nodeIssues}
        />
      ) : (
        // A type this editor does not know (a newer catalogue, an import) is still editable as raw JSON.
        <div className="fd-field">
          <label className="fd-field__label" htmlFor={`cfg-${node.id}-raw`}>
            {t('inspector.rawConfig')}
          </label>
          <JsonField
            id={`cfg-${node.id}-raw`}
            testId="field-config"
            value={node.data.config}
            onChange={(v) => draft.updateNodeData(node.id, { config: (v ?? {}) as Record<string, unknown> })}
          />
        </div>
      )}
      {node.data.type === 'monitoring.monitor' && <MonitorPreview config={node.data.config} />}
      {desc?.docs && (
        <details className="fd-docs">
          <summary>{t('inspector.reference')}</summary>
          <p>{desc.docs}</p>
        </details>
      )}
      <div className="fd-inspector__actions">
        {handlesFor(node.data.type, node.data.config).length > 0 && (
          <button
            type="button"
            className="fd-btn"
            data-testid="inspector-connect"
            onClick={() => props.onConnectFrom(node.id)}
            title={t('connect.buttonHelp')}
          >
            {t('connect.button')}
          </button>
        )}
        <button
          type="button"
          className="fd-btn fd-btn--danger"
          data-testid="delete-node"
          onClick={() => void deleteElements({ nodes: [{ id: node.id }] })}
        >
          {t('inspector.deleteNode')}
        </button>
      </div>
    </div>
  );
}

function EdgeInspector({ edge, draft, issues }: { edge: CanvasEdge; draft: FlowDraft; issues: IssueIndex }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const source = draft.nodes.find((n) => n.id === edge.source);
  const target = draft.nodes.find((n) => n.id === edge.target);
  const edgeIssues = issues.byEdge.get(edge.id) ?? [];
  const name = (n: CanvasNode | undefined, id: string) => (n ? n.data.label || n.id : id);
  return (
    <div className="fd-form" data-testid="inspector-edge">
      <dl className="fd-facts">
        <dt>{t('inspector.from')}</dt>
        <dd>{name(source, edge.source)}</dd>
        <dt>{t('inspector.outcome')}</dt>
        <dd>{source ? handleLabel(source.data.type, edge.sourceHandle ?? '', locale) : edge.sourceHandle}</dd>
        <dt>{t('inspector.to')}</dt>
        <dd>{name(target, edge.target)}</dd>
      </dl>
      {edgeIssues.length > 0 && (
        <ul className="fd-field__issues">
          {edgeIssues.map((i, n) => (
            <li key={n}>{problemText(i, locale)}</li>
          ))}
        </ul>
      )}
      <div className="fd-inspector__actions">
        <button type="button" className="fd-btn fd-btn--danger" data-testid="delete-edge" onClick={() => draft.removeEdge(edge.id)}>
          {t('inspector.deleteEdge')}
        </button>
      </div>
    </div>
  );
}
