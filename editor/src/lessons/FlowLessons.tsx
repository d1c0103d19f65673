import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCampaigns } from '../api/queries.ts';
import { RelatedLessonsPanel } from './RelatedLessonsPanel.tsx';

/**
 * Beside a flow being drawn: lessons for the campaign it is meant for. A flow learns its campaign only
 * when it runs, so the panel asks; until then it shows the latest campaign's (the list is newest first).
 */
export function FlowLessons() {
  const { t } = useTranslation();
  const campaigns = useCampaigns();
  const [picked, setPicked] = useState('');
  const campaignId = picked || campaigns.data?.[0]?.id || '';
  return (
    <div className="fd-flowlessons" data-testid="flow-lessons">
      <div className="fd-field">
        <label className="fd-field__label" htmlFor="flow-lessons-campaign">
          {t('lessons.related.forCampaign')}
        </label>
        <select
          id="flow-lessons-campaign"
          className="fd-input"
          value={campaignId}
          onChange={(e) => setPicked(e.target.value)}
          data-testid="flow-lessons-campaign"
        >
          {!campaigns.data?.length && <option value="">{t('lessons.related.noCampaigns')}</option>}
          {campaigns.data?.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      <RelatedLessonsPanel query={campaignId ? { campaignId } : null} compact testId="flow-related-lessons" />
    </div>
  );
}
