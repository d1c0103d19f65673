import { and, eq } from 'drizzle-orm';
import { SUBFLOW_TYPE, type FlowDocument } from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import { flows, flowVersions } from '../db/schema.ts';
import { can, seesDepartment, type Actor } from '../auth/access.ts';
import { Invalid, type FieldIssue } from './errors.ts';

type Tx = Pick<Database, 'select'>;

/**
 * What publishing `graph` would start must exist, be visible to the publisher and be published at the pinned
 * version. Refusals name the node's field (`graph.nodes.<i>.config.flowId` / `.version`).
 */
export async function checkSubflowReferences(tx: Tx, actor: Actor, graph: FlowDocument): Promise<void> {
  const issues: FieldIssue[] = [];
  for (const [i, node] of graph.nodes.entries()) {
    if (node.type !== SUBFLOW_TYPE) continue;
    const config = node.config as { flowId: string; version: number };
    const at = `graph.nodes.${i}.config`;
    const [flow] = await tx.select({ departmentId: flows.departmentId }).from(flows).where(eq(flows.id, config.flowId));
    // A flow the publisher may not see answers as one that does not exist.
    if (!flow || !seesDepartment(actor, flow.departmentId) || !can(actor, 'flows:read', flow.departmentId)) {
      issues.push({ path: `${at}.flowId`, message: `Node "${node.id}": no flow ${config.flowId} that you can see`, code: 'not_found' });
      continue;
    }
    const [version] = await tx
      .select({ id: flowVersions.id })
      .from(flowVersions)
      .where(and(eq(flowVersions.flowId, config.flowId), eq(flowVersions.version, config.version)));
    if (!version)
      issues.push({
        path: `${at}.version`,
        message: `Node "${node.id}": version ${config.version} is not published`,
        code: 'not_published',
      });
  }
  if (issues.length) throw new Invalid(`Fix ${issues.length} sub-flow reference(s) before publishing`, issues);
}
