import { useTranslation } from 'react-i18next';

/** A run or node status as a coloured pill; the colours live in styles.css under status-*. */
export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <span className={`fd-badge status-${status}`} data-status={status} data-testid={testId}>
      {t(`status.${status}`, { defaultValue: status })}
    </span>
  );
}
