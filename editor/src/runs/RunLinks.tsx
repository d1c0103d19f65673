import { useTranslation } from 'react-i18next';
import type { Run } from '../api/types.ts';
import { Link } from '../components/Link.tsx';
import { href } from '../routes.ts';
import { StatusBadge } from './status.tsx';

/** The run that started this one through a sub-flow step, and the runs this one's sub-flow steps started. */
export function RunLinks({ run }: { run: Pick<Run, 'parent' | 'children' | 'rerunOf' | 'reruns'> }) {
  const { t } = useTranslation();
  return (
    <>
      {run.rerunOf && (
        <div>
          <dt>{t('run.rerunOf')}</dt>
          <dd>
            <Link href={href.run(run.rerunOf)} data-testid="run-rerun-of-link">
              {t('run.title', { id: run.rerunOf.slice(0, 8) })}
            </Link>
          </dd>
        </div>
      )}
      {run.reruns.length > 0 && (
        <div>
          <dt>{t('run.reruns')}</dt>
          <dd>
            <ul className="fd-plain-list" data-testid="run-reruns">
              {run.reruns.map((c) => (
                <li key={c.runId}>
                  <Link href={href.run(c.runId)} data-testid="run-rerun-link">
                    {t('run.title', { id: c.runId.slice(0, 8) })}
                  </Link>{' '}
                  <StatusBadge status={c.status} />
                </li>
              ))}
            </ul>
          </dd>
        </div>
      )}
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
