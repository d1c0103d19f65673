import { memo, useMemo, useState, type CSSProperties } from 'react';
import { useTranslation } from 'react-i18next';
import { families, nodeText, nodeTypes } from '../catalogue.ts';
import { useLocale } from '../i18n/index.ts';
import { NodeIcon } from '../flow/NodeIcon.tsx';

/** The drag payload type, private to the palette and the canvas. */
export const PALETTE_MIME = 'application/x-flightdeck-node-type';

/** Node types grouped by family; drag one onto the canvas, or click to add it in view. Memoised: a drag repaints the editor each frame. */
export const Palette = memo(function Palette({ onAdd }: { onAdd: (type: string) => void }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const [query, setQuery] = useState('');

  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    return families()
      .map((family) => ({
        family,
        items: nodeTypes().filter((d) => {
          if (d.family !== family) return false;
          if (!q) return true;
          const text = nodeText(d.type, locale);
          return [d.type, text?.title, text?.description, d.text.en.title].some((s) => s?.toLowerCase().includes(q));
        }),
      }))
      .filter((g) => g.items.length > 0);
  }, [query, locale]);

  return (
    <aside className="fd-palette" aria-label={t('palette.title')} data-testid="palette">
      <h2 className="fd-panel__title">{t('palette.title')}</h2>
      <input
        className="fd-input fd-palette__search"
        data-testid="palette-search"
        type="search"
        placeholder={t('palette.search')}
        aria-label={t('palette.search')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {groups.length === 0 && <p className="fd-muted fd-palette__none">{t('palette.noMatch')}</p>}
      {groups.map((g) => (
        <section key={g.family} className="fd-palette__group">
          <h3 className="fd-palette__family">{t(`family.${g.family}`, { defaultValue: g.family })}</h3>
          <ul>
            {g.items.map((d) => {
              const text = nodeText(d.type, locale);
              return (
                <li key={d.type}>
                  <button
                    type="button"
                    className="fd-palette__item"
                    data-testid={`palette-${d.type}`}
                    draggable
                    onDragStart={(e) => {
                      e.dataTransfer.setData(PALETTE_MIME, d.type);
                      e.dataTransfer.setData('text/plain', d.type);
                      e.dataTransfer.effectAllowed = 'copy';
                    }}
                    onClick={() => onAdd(d.type)}
                    title={`${text?.description ?? ''}\n${t('palette.hint')}`}
                    style={{ '--node-color': d.editor.color } as CSSProperties}
                  >
                    <span className="fd-palette__icon" aria-hidden>
                      <NodeIcon type={d.type} />
                    </span>
                    <span className="fd-palette__text">
                      <span className="fd-palette__name">{text?.title ?? d.type}</span>
                      <span className="fd-palette__desc">{text?.description}</span>
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      ))}
    </aside>
  );
});
