import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import type { TokenScope } from '../api/types.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { ListQueryBody } from '../components/ListQueryBody.tsx';
import { useErrorText } from '../components/errorText.ts';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';

const SCOPES: TokenScope[] = ['read', 'write', 'ingest'];
/** The server's default is 90 days and its maximum 365. */
const LIFETIMES = [7, 30, 90, 365];
const tokensKey = ['me', 'tokens'] as const;

/** My API tokens for scripts: create one with scopes and a lifetime (its secret is shown once), see when each was used, revoke. */
export function TokensPage() {
  const { t, i18n } = useTranslation();
  const errorText = useErrorText();
  const qc = useQueryClient();
  const tokens = useQuery({ queryKey: tokensKey, queryFn: api.listTokens });
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<TokenScope[]>(['read']);
  const [days, setDays] = useState(90);
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useDocumentTitle(t('tokens.title'));

  const create = useMutation({
    mutationFn: () => api.createToken({ name: name.trim(), scopes, expiresAt: new Date(Date.now() + days * 86_400_000).toISOString() }),
    onSuccess: (made) => {
      setSecret({ name: made.name, token: made.token });
      setName('');
      setError(null);
      void qc.invalidateQueries({ queryKey: tokensKey });
    },
    onError: (e) => setError(errorText(e)),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.revokeToken(id),
    onSettled: () => void qc.invalidateQueries({ queryKey: tokensKey }),
    onError: (e) => setError(errorText(e)),
  });

  const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString(i18n.language) : '—');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim() && scopes.length) create.mutate();
  };

  return (
    <div className="fd-app">
      <AppHeader />
      <main className="fd-page">
        <div className="fd-page__head">
          <div>
            <h1>{t('tokens.title')}</h1>
            <p className="fd-muted">{t('tokens.subtitle')}</p>
          </div>
        </div>
        <form className="fd-card fd-section fd-form fd-token-form" onSubmit={submit} data-testid="token-form">
          <label className="fd-field">
            <span className="fd-field__label">{t('tokens.name')}</span>
            <input
              className="fd-input"
              value={name}
              maxLength={100}
              required
              onChange={(e) => setName(e.target.value)}
              data-testid="token-name"
            />
          </label>
          <fieldset className="fd-field fd-token-form__scopes">
            <legend className="fd-field__label">{t('tokens.scopes')}</legend>
            {SCOPES.map((s) => (
              <label key={s} className="fd-check" title={t(`tokens.scope.${s}`)}>
                <input
                  type="checkbox"
                  checked={scopes.includes(s)}
                  data-testid={`token-scope-${s}`}
                  onChange={(e) => setScopes((cur) => (e.target.checked ? [...cur, s] : cur.filter((x) => x !== s)))}
                />{' '}
                {s} <span className="fd-muted fd-small">{t(`tokens.scope.${s}`)}</span>
              </label>
            ))}
          </fieldset>
          <label className="fd-field">
            <span className="fd-field__label">{t('tokens.expires')}</span>
            <select className="fd-input" value={days} onChange={(e) => setDays(Number(e.target.value))} data-testid="token-days">
              {LIFETIMES.map((d) => (
                <option key={d} value={d}>
                  {t('tokens.days', { count: d })}
                </option>
              ))}
            </select>
          </label>
          <button
            type="submit"
            className="fd-btn fd-btn--primary fd-token-form__submit"
            disabled={create.isPending || !name.trim() || !scopes.length}
            data-testid="token-create"
          >
            {t('tokens.create')}
          </button>
          {error && (
            <div className="fd-field__error" role="alert">
              {error}
            </div>
          )}
        </form>
        {secret && (
          <div className="fd-card fd-section" role="status" data-testid="token-secret">
            <p>{t('tokens.shownOnce', { name: secret.name })}</p>
            <code className="fd-mono">{secret.token}</code>
          </div>
        )}
        <ListQueryBody
          query={tokens}
          testId="tokens"
          errorTitle={t('tokens.loadError')}
          emptyTitle={t('tokens.emptyTitle')}
          emptyText={t('tokens.emptyText')}
        >
          {(items) => (
            <table className="fd-table" data-testid="token-list">
              <thead>
                <tr>
                  <th>{t('tokens.name')}</th>
                  <th>{t('tokens.scopes')}</th>
                  <th>{t('tokens.created')}</th>
                  <th>{t('tokens.lastUsed')}</th>
                  <th>{t('tokens.expires')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {items.map((tk) => (
                  <tr key={tk.id} data-testid={`token-row-${tk.id}`}>
                    <td>{tk.name}</td>
                    <td className="fd-mono">{tk.scopes.join(', ')}</td>
                    <td>{when(tk.createdAt)}</td>
                    <td>{when(tk.lastUsedAt)}</td>
                    <td>{when(tk.expiresAt)}</td>
                    <td>
                      <button
                        type="button"
                        className="fd-btn fd-btn--small fd-btn--danger"
                        data-testid={`token-revoke-${tk.id}`}
                        disabled={revoke.isPending}
                        onClick={() => window.confirm(t('tokens.confirmRevoke', { name: tk.name })) && revoke.mutate(tk.id)}
                      >
                        {t('tokens.revoke')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </ListQueryBody>
      </main>
    </div>
  );
}
