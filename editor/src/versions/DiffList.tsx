import { isEmptyDiff, type AnnotationDiff, type FlowDiff } from '@flightdeck/workflows';
import { useTranslation } from 'react-i18next';

const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** The diff in words: what was added, removed and moved, and per changed node each field with its old and new value. */
export function DiffList(props: { diff: FlowDiff }) {
  const { t } = useTranslation();
  const { nodes, edges, notes, groups } = props.diff;
  if (isEmptyDiff(props.diff)) return <p className="fd-muted">{t('versions.noChanges')}</p>;
  const counts = (d: AnnotationDiff) => ({
    added: d.added.length,
    removed: d.removed.length,
    changed: d.changed.length,
    moved: d.moved.length,
  });
  const any = (d: AnnotationDiff) => d.added.length + d.removed.length + d.changed.length + d.moved.length > 0;
  const ids = (list: string[], kind: string) =>
    list.length > 0 && (
      <li className={`fd-difflist__${kind}`} data-testid={`diff-${kind}`}>
        {t(`versions.${kind}`)}: {list.join(', ')}
      </li>
    );
  return (
    <div className="fd-difflist" data-testid="diff-list">
      <ul>
        {ids(nodes.added, 'added')}
        {ids(nodes.removed, 'removed')}
        {ids(nodes.moved, 'moved')}
        {edges.added.length + edges.removed.length > 0 && (
          <li data-testid="diff-edges">{t('versions.edges', { added: edges.added.length, removed: edges.removed.length })}</li>
        )}
        {any(notes) && <li data-testid="diff-notes">{t('versions.notes', counts(notes))}</li>}
        {any(groups) && <li data-testid="diff-groups">{t('versions.groups', counts(groups))}</li>}
      </ul>
      {nodes.changed.map((c) => (
        <section key={c.id} className="fd-difflist__node" data-testid={`diff-changed-${c.id}`}>
          <h4>{t('versions.changedNode', { id: c.id })}</h4>
          <table className="fd-table">
            <thead>
              <tr>
                <th>{t('versions.field')}</th>
                <th>{t('versions.before')}</th>
                <th>{t('versions.after')}</th>
              </tr>
            </thead>
            <tbody>
              {c.fields.map((f) => (
                <tr key={f.path}>
                  <td>
                    <code>{f.path}</code>
                  </td>
                  <td className="fd-diff-before">{show(f.before)}</td>
                  <td className="fd-diff-after">{show(f.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {c.truncated && <p className="fd-muted">{t('versions.truncated')}</p>}
        </section>
      ))}
    </div>
  );
}
