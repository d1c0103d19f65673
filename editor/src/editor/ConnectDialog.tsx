import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { nodeText } from '../catalogue.ts';
import { Modal } from '../components/Modal.tsx';
import { useListbox } from '../components/useListbox.ts';
import { connectChoices, matchChoices, type ConnectChoice } from '../flow/connectChoices.ts';
import type { CanvasEdge, CanvasNode } from '../flow/graph.ts';
import { useLocale } from '../i18n/index.ts';

/**
 * "Connect to…": the keyboard's way to draw an edge, from a searchable list of the source's outcomes and the nodes
 * each can go to (flow/connectChoices.ts).
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

  const choices = useMemo(() => connectChoices(source, nodes, edges, locale), [source, nodes, edges, locale]);
  const matches = useMemo(() => matchChoices(choices, query), [choices, query]);
  const pick = (c: ConnectChoice) => props.onConnect(c.handle, c.target);
  const { current, setActive, onKeyDown } = useListbox(matches, pick);
  const optionId = (c: ConnectChoice) => `fd-connect-${c.handle}-${c.target}`;
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
