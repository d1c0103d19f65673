import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocale } from '../i18n/index.ts';
import {
  APPROVAL_ACTIVITIES,
  problemText,
  simulatedPeople,
  simulateFlow,
  type CampaignNeed,
  type FlowDocument,
  type JsonValue,
  type ResolveApproversRequest,
  type SimulationResult,
} from '@flightdeck/workflows';
import { ApiError } from '../api/client.ts';
import { useCampaigns } from '../api/queries.ts';
import { useOptionalAuth } from '../auth/AuthProvider.tsx';
import { useErrorText } from '../components/errorText.ts';
import type { Campaign, Run, User } from '../api/types.ts';
import { isTriggerType } from '../catalogue.ts';
import { Modal } from '../components/Modal.tsx';
import { RunView } from '../runs/RunView.tsx';
import { StatusBadge } from '../runs/status.tsx';

function sampleInputOf(doc: FlowDocument): unknown {
  const trigger = doc.nodes.find((n) => isTriggerType(n.type));
  return trigger?.config.sampleInput ?? {};
}

/**
 * What a real run carries as `campaign` (the server adds the owner's name and address for
 * messages). Without a directory the owner is only known when it is the user; otherwise a
 * placeholder stands in, so expressions like campaign.owner.email still evaluate.
 */
export function campaignSnapshot(c: Campaign, me: User | null | undefined): JsonValue {
  const owner = c.ownerId
    ? me && me.id === c.ownerId
      ? { id: me.id, name: me.name, email: me.email }
      : { id: c.ownerId, name: 'Campaign owner', email: 'owner@example.invalid' }
    : null;
  return JSON.parse(JSON.stringify({ ...c, owner })) as JsonValue;
}

/**
 * Starts a run of the flow with a JSON input, publishing the draft first when the latest
 * version would not be what the user sees; or dry-runs the draft in the browser.
 */
export function RunDialog(props: {
  doc: FlowDocument;
  problemCount: number;
  /** Steps that fail without a campaign: the run cannot start until one is chosen. */
  campaignNeeds: CampaignNeed[];
  latestVersion: number | null;
  suggestPublish: boolean;
  onStart: (args: { input: unknown; publishFirst: boolean; campaignId?: string }) => Promise<Run>;
  onStarted: (run: Run) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const [text, setText] = useState(() => JSON.stringify(sampleInputOf(props.doc), null, 2));
  const mustPublish = props.latestVersion === null;
  const [publishFirst, setPublishFirst] = useState(mustPublish || props.suggestPublish);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [simulation, setSimulation] = useState<SimulationResult | null>(null);
  const errorText = useErrorText();
  const auth = useOptionalAuth();
  // Offline or signed out there is nothing to list; the picker then offers only "no campaign".
  const campaigns = useCampaigns({ enabled: auth?.status === 'signedIn' });
  const [campaignId, setCampaignId] = useState('');
  const campaign = campaigns.data?.find((c) => c.id === campaignId);

  const parsed = useMemo((): { ok: true; value: unknown } | { ok: false; error: string } => {
    if (!text.trim()) return { ok: true, value: {} };
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }, [text]);

  const needsCampaign = props.campaignNeeds.length > 0 && !campaignId;
  const blocked = (publishFirst && props.problemCount > 0) || needsCampaign;

  const start = async () => {
    if (!parsed.ok || busy) return;
    setBusy(true);
    setError(null);
    try {
      const run = await props.onStart({ input: parsed.value, publishFirst, ...(campaignId ? { campaignId } : {}) });
      props.onStarted(run);
    } catch (e) {
      const details = e instanceof ApiError ? (e.problem.errors ?? []).map((x) => `• ${problemText(x, locale)}`) : [];
      setError([errorText(e), ...details].join('\n'));
    } finally {
      setBusy(false);
    }
  };

  const simulate = async () => {
    if (!parsed.ok || busy) return;
    setBusy(true);
    setError(null);
    try {
      // Virtual time: delays finish at once, and activities answer with a canned success.
      const me = auth?.user;
      setSimulation(
        await simulateFlow(props.doc, {
          input: parsed.value as never,
          ...(campaign ? { campaign: campaignSnapshot(campaign, me) } : {}),
          requester: me ? { id: me.id, name: me.name, email: me.email } : null,
          activities: {
            [APPROVAL_ACTIVITIES.resolve]: (args: unknown[]) => simulatedPeople(args[0] as ResolveApproversRequest | undefined),
          },
        }),
      );
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  if (simulation) {
    const status = simulation.state?.status ?? 'failed';
    return (
      <Modal
        title={t('runDialog.simulationTitle')}
        onClose={props.onClose}
        wide
        testId="simulation-dialog"
        footer={
          <>
            <button type="button" className="fd-btn" onClick={() => setSimulation(null)}>
              {t('runDialog.back')}
            </button>
            <button type="button" className="fd-btn fd-btn--primary" onClick={props.onClose}>
              {t('common.close')}
            </button>
          </>
        }
      >
        <div className="fd-sim__summary">
          <StatusBadge status={status} testId="simulation-status" />
          <span className="fd-muted">{t('runDialog.simulationNote', { count: simulation.calls.length })}</span>
          {simulation.state?.reason && <span>{simulation.state.reason}</span>}
        </div>
        {simulation.issues?.length ? (
          <ul className="fd-field__issues">
            {simulation.issues.map((i, n) => (
              <li key={n}>{problemText(i, locale)}</li>
            ))}
          </ul>
        ) : null}
        {simulation.state && (
          <div className="fd-sim__view">
            <RunView graph={props.doc} state={simulation.state} />
          </div>
        )}
      </Modal>
    );
  }

  return (
    <Modal
      title={t('runDialog.title')}
      onClose={props.onClose}
      testId="run-dialog"
      footer={
        <>
          <button
            type="button"
            className="fd-btn"
            data-testid="run-simulate"
            disabled={!parsed.ok || busy}
            onClick={() => void simulate()}
            title={t('runDialog.simulateHelp')}
          >
            {t('runDialog.simulate')}
          </button>
          <span className="fd-spacer" />
          <button type="button" className="fd-btn" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            className="fd-btn fd-btn--primary"
            data-testid="run-start"
            disabled={!parsed.ok || busy || blocked}
            onClick={() => void start()}
          >
            {busy ? t('runDialog.starting') : publishFirst ? t('runDialog.publishAndStart') : t('runDialog.start')}
          </button>
        </>
      }
    >
      <div className="fd-field">
        <label className="fd-field__label" htmlFor="run-input">
          {t('runDialog.input')}
        </label>
        <textarea
          id="run-input"
          data-testid="run-input"
          className={`fd-input fd-mono fd-json${parsed.ok ? '' : ' is-invalid'}`}
          rows={10}
          spellCheck={false}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <p className="fd-field__help">{t('runDialog.inputHelp')}</p>
        {!parsed.ok && (
          <div className="fd-field__error" role="alert">
            {t('form.jsonError', { error: parsed.error })}
          </div>
        )}
      </div>
      <div className="fd-field">
        <label className="fd-field__label" htmlFor="run-campaign">
          {t('runDialog.campaign')}
        </label>
        <select
          id="run-campaign"
          data-testid="run-campaign"
          className="fd-input"
          value={campaignId}
          disabled={busy}
          onChange={(e) => setCampaignId(e.target.value)}
        >
          <option value="">{t('runDialog.noCampaign')}</option>
          {(campaigns.data ?? []).map((c) => (
            <option key={c.id} value={c.id} data-slug={c.slug ?? undefined}>
              {c.name}
              {c.department ? ` · ${c.department}` : ''} ({t(`campaignStatus.${c.status}`, { defaultValue: c.status })})
            </option>
          ))}
        </select>
        <p className="fd-field__help">
          {campaigns.isError ? t('runDialog.campaignsError', { detail: errorText(campaigns.error) }) : t('runDialog.campaignHelp')}
        </p>
        {needsCampaign && (
          <div className="fd-field__error" role="alert" data-testid="run-needs-campaign">
            {t('runDialog.needsCampaign', {
              steps: props.campaignNeeds
                .slice(0, 3)
                .map((n) => `"${props.doc.nodes.find((x) => x.id === n.nodeId)?.label ?? n.nodeId}" (${n.reason})`)
                .join(', '),
              count: props.campaignNeeds.length,
            })}
          </div>
        )}
      </div>
      <label className="fd-check">
        <input
          type="checkbox"
          data-testid="run-publish-first"
          checked={publishFirst}
          disabled={mustPublish}
          onChange={(e) => setPublishFirst(e.target.checked)}
        />
        <span>{mustPublish ? t('runDialog.mustPublish') : t('runDialog.publishFirst')}</span>
      </label>
      {!publishFirst && props.latestVersion !== null && (
        <p className="fd-muted">{t('runDialog.runsVersion', { version: props.latestVersion })}</p>
      )}
      {blocked && (
        <p className="fd-error-text" role="alert">
          {t('runDialog.blocked', { count: props.problemCount })}
        </p>
      )}
      {error && (
        <pre className="fd-pre fd-pre--error" role="alert" data-testid="run-error">
          {error}
        </pre>
      )}
    </Modal>
  );
}
