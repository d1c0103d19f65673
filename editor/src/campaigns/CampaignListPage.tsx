import { useState } from 'react';
import { ListQueryBody } from '../components/ListQueryBody.tsx';
import { useTranslation } from 'react-i18next';
import { useCampaigns } from '../api/queries.ts';
import { useOptionalAuth } from '../auth/AuthProvider.tsx';
import { mayDo } from '../auth/permissions.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { formatMoney } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { useToast } from '../components/Toasts.tsx';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';
import { useLocale } from '../i18n/index.ts';
import { href } from '../routes.ts';
import { CampaignStatusBadge, phaseRange } from './CampaignFacts.tsx';
import { ImportCampaignDialog } from './ImportCampaignDialog.tsx';
import { RelatedLessonsPanel } from '../lessons/RelatedLessonsPanel.tsx';
import { ScrollRegion } from '../components/ScrollRegion.tsx';

/** Every campaign I may read, most recently changed first, and the way to import one. */
export function CampaignListPage() {
  const { t } = useTranslation();
  const locale = useLocale();
  const toast = useToast();
  const campaigns = useCampaigns();
  const canImport = mayDo(useOptionalAuth()?.user, 'campaigns:write');
  const [importing, setImporting] = useState(false);
  // The row just imported is highlighted; the list stays, so several files can be imported in a row.
  const [justImported, setJustImported] = useState<string | null>(null);
  useDocumentTitle(t('campaigns.title'));

  const body = (
    <ListQueryBody
      query={campaigns}
      testId="campaigns"
      errorTitle={t('campaigns.loadError')}
      emptyTitle={t('campaigns.emptyTitle')}
      emptyText={t('campaigns.emptyText')}
      emptyAction={
        canImport && (
          <button type="button" className="fd-btn fd-btn--primary" onClick={() => setImporting(true)}>
            {t('campaigns.import')}
          </button>
        )
      }
    >
      {(items) => {
        return (
          <ScrollRegion>
            <table className="fd-table fd-table--campaigns" data-testid="campaign-list">
              <thead>
                <tr>
                  <th>{t('campaigns.name')}</th>
                  <th>{t('campaigns.status')}</th>
                  <th>{t('campaign.department')}</th>
                  <th className="fd-num">{t('campaign.budgetTotal')}</th>
                  <th>{t('campaigns.dates')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((c) => (
                  <tr
                    key={c.id}
                    data-testid={`campaign-row-${c.slug ?? c.id}`}
                    data-campaign-id={c.id}
                    className={justImported === c.id ? 'is-new' : undefined}
                  >
                    <td>
                      <Link href={href.campaign(c.id)} className="fd-flowlink" data-testid="campaign-open">
                        {c.name}
                      </Link>
                      {c.slug && <div className="fd-muted fd-mono">{c.slug}</div>}
                    </td>
                    <td>
                      <CampaignStatusBadge status={c.status} testId="campaign-status" />
                    </td>
                    <td>{c.department ?? '—'}</td>
                    <td className="fd-num">{formatMoney(c.budget?.total, c.budget?.currency, locale)}</td>
                    <td className="fd-nowrap">{phaseRange(c.phases ?? [], locale, c.timezone)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
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
            <h1>{t('campaigns.title')}</h1>
            <p className="fd-muted">{t('campaigns.subtitle')}</p>
          </div>
          {canImport && (
            <button type="button" className="fd-btn fd-btn--primary" data-testid="campaign-import" onClick={() => setImporting(true)}>
              ⤓ {t('campaigns.import')}
            </button>
          )}
        </div>
        {body}
        {/* A campaign just created by an import: what earlier ones on its channels and goals taught. */}
        {justImported && <RelatedLessonsPanel query={{ campaignId: justImported }} testId="imported-lessons" />}
      </main>
      {importing && (
        <ImportCampaignDialog
          onClose={() => setImporting(false)}
          onImported={(c) => {
            setImporting(false);
            setJustImported(c.id);
            toast('success', t('campaigns.imported', { name: c.name }));
          }}
        />
      )}
    </div>
  );
}
