import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { handleLabel, handlesFor, hasInput, nodeText } from '../catalogue.ts';
import { Modal } from '../components/Modal.tsx';
import { useListbox } from '../components/useListbox.ts';
import type { CanvasEdge, CanvasNode } from '../flow/graph.ts';
import { useLocale } from '../i18n/index.ts';

const MAX_SHOWN = 50;

interface Choice {
  key: string;
  handle: string;
  handleText: string;
  target: string;
  targetText: string;
  targetTitle: string;
}

/**
 * "Connect to…": the keyboard's way to draw an edge. Every outcome of the source paired with every node that takes an
 * input and is not already joined by it; the search matches the outcome, the target's name, type or id.
 */
export function ConnectDialog(props: {
  source: CanvasNode;
  nodes: readonly CanvasNode[];
  edges: readonly CanvasEdge[];
  onConnect: (handle: string, target: string) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const [query, setQuery] = useState('');
  const { source, nodes, edges } = props;

  const choices = useMemo<Choice[]>(() => {
    const taken = new Set(edges.filter((e) => e.source === source.id).map((e) => `${e.sourceHandle}\u0000${e.target}`));
    const targets = nodes.filter((n) => n.id !== source.id && hasInput(n.data.type));
    return handlesFor(source.data.type, source.data.config).flatMap((handle) =>
      targets
        .filter((n) => !taken.has(`${handle}\u0000${n.id}`))
        .map((n) => {
          const title = nodeText(n.data.type, locale)?.title ?? n.data.type;
          return {
            key: `${handle}\u0000${n.id}`,
            handle,
            handleText: handleLabel(source.data.type, handle, locale),
            target: n.id,
            targetText: n.data.label || title,
            targetTitle: title,
          };
        }),
    );
  }, [source, nodes, edges, locale]);

  const matches = useMemo(() => {
    const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const haystack = (c: Choice) => [c.handle, c.handleText, c.target, c.targetText, c.targetTitle].join(' ').toLowerCase();
    return choices.filter((c) => words.every((w) => haystack(c).includes(w))).slice(0, MAX_SHOWN);
  }, [choices, query]);
  const pick = (c: Choice) => props.onConnect(c.handle, c.target);
  const { current, setActive, onKeyDown } = useListbox(matches, pick);
  const optionId = (c: Choice) => `fd-connect-${c.handle}-${c.target}`;
  const sourceName = source.data.label || (nodeText(source.data.type, locale)?.title ?? source.id);

  return (
    <Modal title={t('connect.title', { source: sourceName })} onClose={props.onClose} testId="connect-dialog">
      <input
        className="fd-input fd-nodesearch__input"
        data-autofocus
        type="search"
        role="combobox"
        aria-expanded
        aria-controls="fd-connect-list"
        aria-activedescendant={matches[current] ? optionId(matches[current]) : undefined}
        aria-label={t('connect.placeholder')}
        placeholder={t('connect.placeholder')}
        data-testid="connect-input"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <p className="fd-muted">{t('connect.hint')}</p>
      {matches.length === 0 ? (
        <p className="fd-muted" data-testid="connect-none">
          {choices.length === 0 ? t('connect.nothing') : t('connect.none')}
        </p>
      ) : (
        <ul id="fd-connect-list" role="listbox" className="fd-nodesearch__list" aria-label={t('connect.listLabel')}>
          {matches.map((c, i) => (
            <li
              key={c.key}
              id={optionId(c)}
              role="option"
              aria-selected={i === current}
              className={`fd-nodesearch__item${i === current ? ' is-active' : ''}`}
              data-testid={`connect-${c.handle}-${c.target}`}
              onMouseEnter={() => setActive(i)}
              onClick={() => pick(c)}
            >
              <span className="fd-nodesearch__title">
                {c.handleText} → {c.targetText}
              </span>
              <span className="fd-muted">
                {c.targetTitle} · <code>{c.target}</code>
              </span>
            </li>
          ))}
        </ul>
      )}
    </Modal>
  );
}
