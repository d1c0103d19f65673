import { useState } from 'react';
import { ListQueryBody } from '../components/ListQueryBody.tsx';
import { useTranslation } from 'react-i18next';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';
import { useFlows } from '../api/queries.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { formatDateTime } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { useLocale } from '../i18n/index.ts';
import { href, navigate } from '../routes.ts';
import { NewFlowDialog } from './NewFlowDialog.tsx';

/** All flows, most recently changed first, with the way to create one. */
export function FlowListPage() {
  const { t } = useTranslation();
  const locale = useLocale();
  const flows = useFlows();
  const [creating, setCreating] = useState(false);
  useDocumentTitle(t('flows.title'));

  const body = (
    <ListQueryBody
      query={flows}
      testId="flows"
      errorTitle={t('flows.loadError')}
      emptyTitle={t('flows.emptyTitle')}
      emptyText={t('flows.emptyText')}
      errorActions={
        <Link className="fd-btn" href={href.newFlow()} data-testid="scratch-flow">
          {t('flows.scratch')}
        </Link>
      }
      emptyAction={
        <button type="button" className="fd-btn fd-btn--primary" onClick={() => setCreating(true)}>
          {t('flows.new')}
        </button>
      }
    >
      {(items) => {
        const sorted = [...items].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
        return (
          <table className="fd-table" data-testid="flow-list">
            <thead>
              <tr>
                <th>{t('flows.name')}</th>
                <th>{t('flows.published')}</th>
                <th>{t('flows.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((f) => (
                <tr key={f.id} data-testid={`flow-row-${f.id}`}>
                  <td>
                    <Link href={href.flow(f.id)} className="fd-flowlink" data-testid="flow-open">
                      {f.name}
                    </Link>
                    {f.description && <div className="fd-muted fd-ellipsis">{f.description}</div>}
                  </td>
                  <td>
                    {f.latestVersion === null ? (
                      <span className="fd-muted">{t('flows.draftOnly')}</span>
                    ) : (
                      <span className="fd-version">v{f.latestVersion}</span>
                    )}
                  </td>
                  <td>{formatDateTime(f.updatedAt, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
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
            <h1>{t('flows.title')}</h1>
            <p className="fd-muted">{t('flows.subtitle')}</p>
          </div>
          <button type="button" className="fd-btn fd-btn--primary" data-testid="new-flow" onClick={() => setCreating(true)}>
            + {t('flows.new')}
          </button>
        </div>
        {body}
      </main>
      {creating && <NewFlowDialog onClose={() => setCreating(false)} onCreated={(flow) => navigate(href.flow(flow.id))} />}
    </div>
  );
}
