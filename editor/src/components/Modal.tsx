import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A modal dialog on the native <dialog> element, which brings focus trapping and Escape for free. The control marked
 * data-autofocus takes the focus when it opens. Without onClose the dialog cannot be dismissed (Escape does nothing, no
 * close button).
 */
export function Modal(props: {
  title: string;
  onClose?: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) {
      d.showModal();
      // React's autoFocus runs while the dialog is still closed, and so does nothing: showModal would then focus the
      // first control, the close button, and typed text would go nowhere. The field meant to take the typing says so.
      d.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    }
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={`fd-modal${props.wide ? ' fd-modal--wide' : ''}`}
      data-testid={props.testId}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose?.();
      }}
      aria-labelledby="fd-modal-title"
    >
      <header className="fd-modal__head">
        <h2 id="fd-modal-title">{props.title}</h2>
        {props.onClose && (
          <button type="button" className="fd-btn fd-btn--ghost fd-modal__close" aria-label={t('common.close')} onClick={props.onClose}>
            ×
          </button>
        )}
      </header>
      <div className="fd-modal__body">{props.children}</div>
      {props.footer && <footer className="fd-modal__foot">{props.footer}</footer>}
    </dialog>
  );
}
