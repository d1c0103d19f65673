import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMarkNotificationsRead, useNotifications } from '../api/queries.ts';
import type { AppNotification } from '../api/types.ts';
import { useLocale } from '../i18n/index.ts';
import { mayLeave, navigate } from '../routes.ts';
import { formatRelative } from './format.ts';

/** In-app notifications: a bell with the unread count, and a panel of the latest ones. */
export function NotificationBell() {
  const { t } = useTranslation();
  const locale = useLocale();
  const [open, setOpen] = useState(false);
  const notifications = useNotifications(true);
  const markRead = useMarkNotificationsRead();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const unread = notifications.data?.unread ?? 0;

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      // Keyboard users continue from the bell, not from the top of the page.
      button.current?.focus();
    };
    const onClick = (e: MouseEvent) => !root.current?.contains(e.target as Node) && setOpen(false);
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  const openItem = (n: AppNotification) => {
    // navigate() skips the editor's unsaved-changes guard that links go through, so ask here.
    if (n.link && !mayLeave()) return;
    if (!n.readAt) markRead.mutate({ ids: [n.id] });
    setOpen(false);
    if (n.link) navigate(`#${n.link}`);
  };

  return (
    <div className="fd-bell" ref={root}>
      <button
        ref={button}
        type="button"
        className="fd-bell__button"
        data-testid="bell"
        aria-haspopup="true"
        aria-expanded={open}
        aria-label={unread ? t('bell.labelCount', { count: unread }) : t('bell.label')}
        onClick={() => setOpen((o) => !o)}
      >
        {/* An outline bell drawn here, not an emoji: it must not depend on the machine's fonts. */}
        <svg
          width="20"
          height="20"
          viewBox="0 0 24 24"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          strokeLinecap="round"
          strokeLinejoin="round"
          aria-hidden
        >
          <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
          <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        {unread > 0 && (
          <span className="fd-bell__badge" data-testid="bell-count" aria-hidden>
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <div className="fd-bell__panel" role="dialog" aria-label={t('bell.title')} data-testid="bell-panel">
          <div className="fd-bell__head">
            <strong>{t('bell.title')}</strong>
            <button
              type="button"
              className="fd-btn fd-btn--small"
              data-testid="bell-mark-all"
              disabled={!unread || markRead.isPending}
              onClick={() => markRead.mutate({ all: true })}
            >
              {t('bell.markAll')}
            </button>
          </div>
          {notifications.isPending && <p className="fd-muted fd-small fd-bell__empty">{t('common.loading')}</p>}
          {notifications.isError && <p className="fd-error-text fd-small">{t('bell.loadError')}</p>}
          {notifications.data?.items.length === 0 && <p className="fd-muted fd-small fd-bell__empty">{t('bell.empty')}</p>}
          <ul className="fd-bell__list">
            {notifications.data?.items.map((n) => (
              <li key={n.id}>
                <button
                  type="button"
                  className={`fd-bell__item${n.readAt ? '' : ' is-unread'}`}
                  data-testid="bell-item"
                  onClick={() => openItem(n)}
                >
                  <span className="fd-bell__title">{n.title}</span>
                  {n.body && <span className="fd-bell__body">{n.body}</span>}
                  <span className="fd-bell__time">{formatRelative(n.createdAt, locale)}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
