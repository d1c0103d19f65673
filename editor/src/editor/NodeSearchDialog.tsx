import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { nodeText } from '../catalogue.ts';
import { Modal } from '../components/Modal.tsx';
import type { CanvasNode } from '../flow/graph.ts';
import { useLocale } from '../i18n/index.ts';
import { useListbox } from '../components/useListbox.ts';

const MAX_SHOWN = 50;

/** Ctrl/Cmd+K: the flow's nodes by title (either language), label, type or id; Enter picks the highlighted one. */
export function NodeSearchDialog(props: { nodes: readonly CanvasNode[]; onPick: (id: string) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const [query, setQuery] = useState('');
  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    return props.nodes
      .map((n) => ({ id: n.id, type: n.data.type, label: n.data.label, title: nodeText(n.data.type, locale)?.title ?? n.data.type }))
      .filter((m) => {
        if (!q) return true;
        const words = [m.id, m.type, m.label, m.title, nodeText(m.type, 'en')?.title, nodeText(m.type, 'zh-CN')?.title];
        return words.some((w) => w?.toLowerCase().includes(q));
      })
      .slice(0, MAX_SHOWN);
  }, [props.nodes, query, locale]);
  const { current, setActive, onKeyDown } = useListbox(matches, (m) => props.onPick(m.id));

  return (
    <Modal title={t('nodeSearch.title')} onClose={props.onClose} testId="node-search">
      <input
        className="fd-input fd-nodesearch__input"
        data-autofocus
        type="search"
        role="combobox"
        aria-expanded
        aria-controls="fd-nodesearch-list"
        aria-activedescendant={matches[current] ? `fd-nodesearch-${matches[current].id}` : undefined}
        aria-label={t('nodeSearch.placeholder')}
        placeholder={t('nodeSearch.placeholder')}
        data-testid="node-search-input"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <p className="fd-muted">{t('nodeSearch.hint')}</p>
      {matches.length === 0 ? (
        <p className="fd-muted" data-testid="node-search-none">
          {t('nodeSearch.none')}
        </p>
      ) : (
        <ul id="fd-nodesearch-list" role="listbox" className="fd-nodesearch__list" aria-label={t('nodeSearch.title')}>
          {matches.map((m, i) => (
            <li
              key={m.id}
              id={`fd-nodesearch-${m.id}`}
              role="option"
              aria-selected={i === current}
              className={`fd-nodesearch__item${i === current ? ' is-active' : ''}`}
              data-testid={`node-search-${m.id}`}
              onMouseEnter={() => setActive(i)}
              onClick={() => props.onPick(m.id)}
            >
              <span className="fd-nodesearch__title">{m.label || m.title}</span>
              <span className="fd-muted">
                {m.title} · <code>{m.id}</code>
              </span>
            </li>
          ))}
        </ul>
      )}
    </Modal>
  );
}
