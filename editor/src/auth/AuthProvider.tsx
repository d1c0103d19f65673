import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Locale } from '@flightdeck/workflows';
import { api, ApiError, setCsrfToken, setUnauthorizedHandler } from '../api/client.ts';
import type { Session, User } from '../api/types.ts';
import { useToast } from '../components/Toasts.tsx';
import { i18next, setLocale } from '../i18n/index.ts';

/**
 * - loading: asking the server who we are.
 * - signedIn: a session; `user` is set.
 * - signedOut: no session. `expired` when it ended while pages were open (they stay, under a sign-in dialog).
 * - offline: the API did not answer as an API (down, or a static server); pages show their own errors.
 */
export type AuthStatus = 'loading' | 'signedIn' | 'signedOut' | 'offline';

export interface AuthValue {
  status: AuthStatus;
  user: User | null;
  expired: boolean;
  signIn: (email: string, password: string) => Promise<User>;
  signOut: () => Promise<void>;
  /** Switches the UI language, and keeps it with the account when signed in. */
  changeLocale: (locale: Locale) => void;
  retry: () => void;
}

const AuthContext = createContext<AuthValue | null>(null);

/** The page's first session check, started by main.tsx before React renders; the provider's first probe takes it. */
let earlyProbe: Promise<Session> | null = null;
export function probeSessionEarly(): void {
  earlyProbe ??= api.me();
  // Its failure is read by the probe that takes it; unhandled until then is not an error.
  earlyProbe.catch(() => undefined);
}

interface State {
  status: AuthStatus;
  user: User | null;
  expired: boolean;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const toast = useToast();
  const [state, setState] = useState<State>({ status: 'loading', user: null, expired: false });
  // Who was signed in last, so a different person signing in does not see the previous one's cached data.
  const lastUserId = useRef<string | null>(null);

  const adopt = useCallback((s: Session) => {
    setCsrfToken(s.csrfToken);
    // The language saved with the account wins over this browser's last choice.
    if (s.user.locale && i18next.language !== s.user.locale) setLocale(s.user.locale);
    setState({ status: 'signedIn', user: s.user, expired: false });
  }, []);

  const probe = useCallback(async () => {
    try {
      const early = earlyProbe;
      earlyProbe = null;
      const s = await (early ?? api.me());
      lastUserId.current = s.user.id;
      adopt(s);
    } catch (e) {
      if (e instanceof ApiError && e.fromApi && e.status === 401) setState({ status: 'signedOut', user: null, expired: false });
      else setState({ status: 'offline', user: null, expired: false });
    }
  }, [adopt]);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- probe sets state only once /api/me answers, not synchronously
    void probe();
  }, [probe]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      setState((s) =>
        s.status === 'signedOut' ? s : { status: 'signedOut', user: null, expired: s.status === 'signedIn' || s.status === 'offline' },
      );
    });
    return () => setUnauthorizedHandler(null);
  }, []);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const s = await api.login(email, password);
      const sameUser = lastUserId.current === s.user.id;
      lastUserId.current = s.user.id;
      adopt(s);
      // Pages that stayed open re-read what failed; someone else's cached data is dropped.
      if (sameUser) void qc.invalidateQueries();
      else void qc.resetQueries();
      return s.user;
    },
    [adopt, qc],
  );

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      // Signed out anyway as far as this page is concerned; the cookie is HttpOnly and the server ends it.
    }
    setCsrfToken(null);
    lastUserId.current = null;
    setState({ status: 'signedOut', user: null, expired: false });
    qc.clear();
  }, [qc]);

  const signedIn = state.status === 'signedIn';
  const changeLocale = useCallback(
    (locale: Locale) => {
      setLocale(locale);
      if (!signedIn) return;
      api.setPreferences({ locale }).then(
        (user) => setState((s) => (s.user ? { ...s, user: { ...s.user, ...user, grants: user.grants ?? s.user.grants } } : s)),
        () => toast('error', t('auth.localeNotSaved')),
      );
    },
    [signedIn, toast, t],
  );

  const value = useMemo<AuthValue>(
    () => ({ ...state, signIn, signOut, changeLocale, retry: () => void probe() }),
    [state, signIn, signOut, changeLocale, probe],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}

/** For components that also render without an AuthProvider (tests, the dry-run dialog's canvas). */
export function useOptionalAuth(): AuthValue | null {
  return useContext(AuthContext);
}
