import { useTranslation } from 'react-i18next';
import type { Run } from '../api/types.ts';
import { Link } from '../components/Link.tsx';
import { href } from '../routes.ts';
import { StatusBadge } from './status.tsx';

/** The run that started this one through a sub-flow step, and the runs this one's sub-flow steps started. */
export function RunLinks({ run }: { run: Pick<Run, 'parent' | 'children'> }) {
  const { t } = useTranslation();
  return (
    <>
      {run.parent && (
        <div>
          <dt>{t('run.parent')}</dt>
          <dd>
            <Link href={href.run(run.parent.runId)} data-testid="run-parent-link">
              {t('run.parentLink', { flow: run.parent.flowName, node: run.parent.nodeId })}
            </Link>
          </dd>
        </div>
      )}
      {run.children.length > 0 && (
        <div>
          <dt>{t('run.children')}</dt>
          <dd>
            <ul className="fd-plain-list" data-testid="run-children">
              {run.children.map((c) => (
                <li key={c.runId}>
                  <Link href={href.run(c.runId)} data-testid="run-child-link">
                    {t('run.childLink', { flow: c.flowName, version: c.version, node: c.nodeId })}
                  </Link>{' '}
                  <StatusBadge status={c.status} />
                </li>
              ))}
            </ul>
          </dd>
        </div>
      )}
    </>
  );
}
