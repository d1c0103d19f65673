import { useTranslation } from 'react-i18next';
import type { AlertState, Severity } from '../api/types.ts';

const SEVERITY_ICON: Record<Severity, string> = { info: 'ℹ', warning: '▲', critical: '●' };

/** Colour and a shape: severity must read without colour too. */
export function SeverityBadge({ severity }: { severity: Severity }) {
  const { t } = useTranslation();
  return (
    <span className={`fd-badge fd-sev fd-sev--${severity}`} data-testid="alert-severity" data-severity={severity}>
      <span aria-hidden>{SEVERITY_ICON[severity]}</span>
      {t(`alerts.severity.${severity}`)}
    </span>
  );
}

export function AlertStateBadge({ state, testId = 'alert-state' }: { state: AlertState; testId?: string }) {
  const { t } = useTranslation();
  return (
    <span className={`fd-badge fd-astate fd-astate--${state}`} data-testid={testId} data-state={state}>
      {t(`alerts.state.${state}`)}
    </span>
  );
}
