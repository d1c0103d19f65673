import { useState } from 'react';
import { ListQueryBody } from '../components/ListQueryBody.tsx';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import { useConnections, useDeleteConnection, useDepartments, usePauseConnection } from '../api/queries.ts';
import type { Connection, ConnectionTestResult } from '../api/types.ts';
import { useOptionalAuth } from '../auth/AuthProvider.tsx';
import { mayDo } from '../auth/permissions.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { useErrorText } from '../components/errorText.ts';
import { useToast } from '../components/Toasts.tsx';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';
import { KIND_FIELDS } from './kinds.ts';
import { ConnectionDialog } from './ConnectionDialog.tsx';

/** Channel connections (WeCom robots, Slack webhooks, SMS accounts…) that channel.send nodes post through. */
export function ConnectionsPage() {
  const { t } = useTranslation();
  const toast = useToast();
  const user = useOptionalAuth()?.user;
  const connections = useConnections();
  const departments = useDepartments();
  const canCreate = mayDo(user, 'connections:manage');
  const [creating, setCreating] = useState(false);
  const [justCreated, setJustCreated] = useState<string | null>(null);
  useDocumentTitle(t('connections.title'));

  const deptName = (id: string | null) => (id ? (departments.data?.find((d) => d.id === id)?.name ?? id.slice(0, 8)) : '—');

  const body = (
    <ListQueryBody
      query={connections}
      testId="connections"
      errorTitle={t('connections.loadError')}
      emptyTitle={t('connections.emptyTitle')}
      emptyText={t('connections.emptyText')}
      emptyAction={
        canCreate && (
          <button type="button" className="fd-btn fd-btn--primary" onClick={() => setCreating(true)}>
            {t('connections.new')}
          </button>
        )
      }
    >
      {(items) => {
        return (
          <ul className="fd-conns" data-testid="connection-list">
            {items.map((c) => (
              <ConnectionRow
                key={c.id}
                connection={c}
                department={deptName(c.departmentId)}
                canManage={mayDo(user, 'connections:manage', c.departmentId)}
                isNew={justCreated === c.id}
                onDeleted={() => toast('success', t('connections.deleted', { name: c.name }))}
              />
            ))}
          </ul>
        );
      }}
    </ListQueryBody>
  );

  return (
    <div className="fd-app">
      <AppHeader />
      <main className="fd-page">
        <div className="fd-page__head">
          <div>
            <h1>{t('connections.title')}</h1>
            <p className="fd-muted">{t('connections.subtitle')}</p>
          </div>
          {canCreate && (
            <button type="button" className="fd-btn fd-btn--primary" data-testid="connection-new" onClick={() => setCreating(true)}>
              + {t('connections.new')}
            </button>
          )}
        </div>
        {!canCreate && (
          <p className="fd-muted" data-testid="connections-readonly">
            {t('connections.readOnly')}
          </p>
        )}
        {body}
      </main>
      {creating && (
        <ConnectionDialog
          onClose={() => setCreating(false)}
          onSaved={(c) => {
            setCreating(false);
            setJustCreated(c.id);
            toast('success', t('connections.created', { name: c.name }));
          }}
        />
      )}
    </div>
  );
}

function ConnectionRow(props: { connection: Connection; department: string; canManage: boolean; isNew: boolean; onDeleted: () => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const c = props.connection;
  const remove = useDeleteConnection();
  const pause = usePauseConnection();
  const [editing, setEditing] = useState(false);
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const meta = KIND_FIELDS[c.kind];
  const settings = Object.entries(c.settings ?? {});

  const test = () => {
    setTesting(true);
    setResult(null);
    api
      .testConnection(c.id, t('connections.testText'))
      .then(setResult, (e: unknown) => setResult({ ok: false, error: errorText(e) }))
      .finally(() => setTesting(false));
  };

  return (
    <li className={`fd-conn${props.isNew ? ' is-new' : ''}`} data-testid={`connection-row-${c.id}`} data-name={c.name} data-kind={c.kind}>
      <div className="fd-conn__head">
        <span className={`fd-conn__icon kind-${c.kind}`} aria-hidden>
          {meta?.icon ?? '?'}
        </span>
        <div className="fd-conn__title">
          <div className="fd-conn__name">{c.name}</div>
          <div className="fd-muted">
            {t(`connections.kind.${c.kind}`, { defaultValue: c.kind })} · {props.department}
            {c.paused && (
              <span
                className="fd-badge delivery-held fd-conn__paused"
                data-testid={`connection-paused-${c.id}`}
                title={c.pausedReason ?? undefined}
              >
                {t('connections.paused')}
              </span>
            )}
          </div>
          {c.paused && c.pausedReason && <div className="fd-small fd-muted">{c.pausedReason}</div>}
        </div>
        {props.canManage && (
          <div className="fd-conn__actions">
            <button
              type="button"
              className="fd-btn fd-btn--small"
              data-testid={`connection-test-${c.id}`}
              disabled={testing}
              onClick={test}
            >
              {testing ? t('connections.testing') : t('connections.test')}
            </button>
            <button type="button" className="fd-btn fd-btn--small" data-testid={`connection-edit-${c.id}`} onClick={() => setEditing(true)}>
              {t('connections.edit')}
            </button>
            <button
              type="button"
              className="fd-btn fd-btn--small"
              data-testid={`connection-${c.paused ? 'resume' : 'pause'}-${c.id}`}
              disabled={pause.isPending}
              onClick={() => {
                // Pausing holds every run's messages; a reason tells the people who wonder why nothing arrives.
                const reason = c.paused ? undefined : window.prompt(t('connections.pauseReason'));
                if (reason === null) return;
                setDeleteError(null);
                pause.mutate(
                  { id: c.id, pause: !c.paused, ...(reason ? { reason } : {}) },
                  { onError: (e) => setDeleteError(errorText(e)) },
                );
              }}
            >
              {c.paused ? t('connections.resume') : t('connections.pause')}
            </button>
            <button
              type="button"
              className="fd-btn fd-btn--small fd-btn--danger"
              data-testid={`connection-delete-${c.id}`}
              disabled={remove.isPending}
              onClick={() => {
                if (!window.confirm(t('connections.confirmDelete', { name: c.name }))) return;
                setDeleteError(null);
                remove.mutate(c.id, { onSuccess: props.onDeleted, onError: (e) => setDeleteError(errorText(e)) });
              }}
            >
              {t('connections.delete')}
            </button>
          </div>
        )}
      </div>
      <dl className="fd-conn__facts">
        {c.secretFields.map((f) => (
          <div key={f} data-testid={`connection-secretset-${f}`}>
            <dt>{t(`connections.field.${f}`, { defaultValue: f })}</dt>
            <dd className="fd-muted">•••• {t('connections.set')}</dd>
          </div>
        ))}
        {settings.map(([k, v]) => (
          <div key={k}>
            <dt>{t(`connections.field.${k}`, { defaultValue: k })}</dt>
            <dd className="fd-mono">{String(v)}</dd>
          </div>
        ))}
      </dl>
      {result && (
        <div
          className={`fd-conn__result ${result.ok ? 'is-ok' : 'is-error'}`}
          role="status"
          data-testid={`connection-test-result-${c.id}`}
          data-ok={String(result.ok)}
        >
          {result.ok
            ? t('connections.testOk', { status: result.status }) + (result.providerMessageId ? ` · ${result.providerMessageId}` : '')
            : t('connections.testFailed', { error: result.error }) +
              (result.status ? ` (HTTP ${result.status})` : '') +
              (result.retryable ? ` · ${t('connections.retryable')}` : '')}
        </div>
      )}
      {deleteError && (
        <div className="fd-field__error" role="alert">
          {deleteError}
        </div>
      )}
      {editing && <ConnectionDialog existing={c} onClose={() => setEditing(false)} onSaved={() => setEditing(false)} />}
    </li>
  );
}
