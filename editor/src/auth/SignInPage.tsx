import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import { useErrorText } from '../components/errorText.ts';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { Modal } from '../components/Modal.tsx';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';
import { href, navigate } from '../routes.ts';
import { useAuth } from './AuthProvider.tsx';

/** E-mail and password; used by the sign-in page and by the dialog shown when a session ends mid-work. */
export function SignInForm({ onSignedIn, autoFocus = true }: { onSignedIn?: () => void; autoFocus?: boolean }) {
  const { t } = useTranslation();
  const auth = useAuth();
  const errorText = useErrorText();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const emailRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (autoFocus) emailRef.current?.focus();
  }, [autoFocus]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await auth.signIn(email.trim(), password);
      onSignedIn?.();
    } catch (err) {
      // The server's words for a 401 are generic on purpose; say it in the user's language.
      setError(err instanceof ApiError && err.status === 401 ? t('auth.wrongCredentials') : errorText(err));
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="fd-form fd-signin__form" onSubmit={(e) => void submit(e)} noValidate>
      <div className="fd-field">
        <label className="fd-field__label" htmlFor="signin-email">
          {t('auth.email')}
        </label>
        <input
          ref={emailRef}
          id="signin-email"
          data-testid="signin-email"
          className="fd-input"
          type="email"
          inputMode="email"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </div>
      <div className="fd-field">
        <label className="fd-field__label" htmlFor="signin-password">
          {t('auth.password')}
        </label>
        <input
          id="signin-password"
          data-testid="signin-password"
          className="fd-input"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </div>
      {error && (
        <p className="fd-alert fd-alert--error" role="alert" data-testid="signin-error">
          {error}
        </p>
      )}
      <button
        type="submit"
        className="fd-btn fd-btn--primary fd-btn--block"
        data-testid="signin-submit"
        disabled={busy || !email.trim() || !password}
      >
        {busy ? t('auth.signingIn') : t('auth.signIn')}
      </button>
    </form>
  );
}

/** #/signin: the whole page, returning to where the user was headed. */
export function SignInPage({ next }: { next: string | null }) {
  const { t } = useTranslation();
  const auth = useAuth();
  useDocumentTitle(t('auth.title'));
  // Someone already signed in (a second tab, the back button) goes straight on.
  useEffect(() => {
    if (auth.status === 'signedIn') navigate(next ?? href.flows(), { replace: true });
  }, [auth.status, next]);

  return (
    <div className="fd-signin" data-testid="signin-page">
      <div className="fd-signin__lang">
        <LanguageSwitch />
      </div>
      <main className="fd-signin__card">
        <div className="fd-signin__brand">
          <span className="fd-brand__mark" aria-hidden>
            ➤
          </span>
          <span>{t('app.name')}</span>
        </div>
        <h1>{t('auth.title')}</h1>
        <p className="fd-muted">{t('auth.subtitle')}</p>
        {auth.status === 'offline' ? (
          <div className="fd-alert fd-alert--error" role="alert" data-testid="signin-error">
            <p>{t('errors.unreachable')}</p>
            <button type="button" className="fd-btn" onClick={auth.retry}>
              {t('common.retry')}
            </button>
          </div>
        ) : (
          <SignInForm onSignedIn={() => navigate(next ?? href.flows(), { replace: true })} />
        )}
      </main>
    </div>
  );
}

/** Shown over the open page when the session ends mid-work, so an unsaved flow is not lost. */
export function SessionExpiredDialog() {
  const { t } = useTranslation();
  return (
    <Modal title={t('auth.expiredTitle')} testId="signin-dialog">
      <p className="fd-muted">{t('auth.expiredText')}</p>
      <SignInForm />
    </Modal>
  );
}
