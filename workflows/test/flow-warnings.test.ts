import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { campaignNeeds, flowWarnings } from '../src/flow-warnings.ts';
import { validateFlow } from '../src/validator.ts';
import type { FlowDocument, FlowDocumentInput } from '../src/flow.ts';
import { approvalNode, edge, end, flow, trigger, user, webhook } from './helpers.ts';

function valid(input: FlowDocumentInput): FlowDocument {
  const result = validateFlow(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.flow;
}

const approvalFlow = (config: Record<string, unknown>, handles: string[]) =>
  valid(
    flow(
      [
        trigger(),
        approvalNode('ok', { approvers: [user('u1')], ...config }),
        end('done'),
        ...(handles.length ? [end('no', { status: 'failed' })] : []),
      ],
      [edge('t', 'ok'), edge('ok', 'done', 'approved'), ...handles.map((h) => edge('ok', 'no', h, `e-${h}`))],
    ),
  );

describe('flowWarnings: outcomes with no path', () => {
  it('warns about an approval with no rejected and no timed_out path', () => {
    const warnings = flowWarnings(approvalFlow({}, []));
    expect(warnings.map((w) => [w.code, w.nodeId, w.handle])).toEqual([
      ['unhandled_outcome', 'ok', 'rejected'],
      ['unhandled_outcome', 'ok', 'timed_out'],
    ]);
    expect(warnings[0]!.message).toContain('the run fails');
  });

  it('is quiet when both paths are drawn', () => {
    expect(flowWarnings(approvalFlow({}, ['rejected', 'timed_out']))).toEqual([]);
  });

  it('needs no timed_out path when the timeout decides by itself', () => {
    expect(flowWarnings(approvalFlow({ onTimeout: 'auto_reject' }, ['rejected']))).toEqual([]);
    expect(flowWarnings(approvalFlow({ onTimeout: 'auto_approve' }, [])).map((w) => w.handle)).toEqual(['rejected']);
  });
});

describe('campaignNeeds and the campaign warnings', () => {
  it('finds campaign.* in a webhook body template, and names the field read', () => {
    const doc = valid(
      flow([trigger(), webhook('w', { body: { budget: '{{ campaign.budget }}' } }), end('e')], [edge('t', 'w'), edge('w', 'e', 'sent')]),
    );
    expect(campaignNeeds(doc)).toEqual([{ nodeId: 'w', reason: 'it reads campaign.budget' }]);
    const [warning] = flowWarnings(doc);
    expect(warning).toMatchObject({ code: 'needs_campaign', nodeId: 't' });
    expect(warning!.message).toBe('Runs of this flow need a campaign: "w" (it reads campaign.budget) fail without one');
  });

  it('ignores the word in prose, a member that is merely named so, and a reference with a default', () => {
    const doc = valid(
      flow(
        [trigger(), webhook('w', { body: { note: 'The campaign starts soon', v: '{{ input.campaign }}' } }), end('e')],
        [edge('t', 'w'), edge('w', 'e', 'sent')],
      ),
    );
    expect(campaignNeeds(doc)).toEqual([]);
    const told = valid(
      flow(
        [
          trigger(),
          { id: 'n', type: 'channel.in_app', config: { to: 'u1', title: '{{ campaign.name | default: "Test" }} done' } },
          end('e'),
        ],
        [edge('t', 'n'), edge('n', 'e', 'sent')],
      ),
    );
    expect(campaignNeeds(told)).toEqual([]);
  });

  it('says a webhook-started flow can never have one', () => {
    const doc = valid(
      flow(
        [{ id: 't', type: 'trigger.webhook', config: {} }, webhook('w', { body: { n: '{{ campaign.name }}' } }), end('e')],
        [edge('t', 'w'), edge('w', 'e', 'sent')],
      ),
    );
    expect(flowWarnings(doc)[0]!.message).toContain('runs started by trigger.webhook have none');
  });

  it('finds nodes that need a campaign by what they do: owner recipients, campaign departments, launches', () => {
    const doc = valid(
      flow(
        [
          trigger(),
          approvalNode('a', { approvers: [{ kind: 'department_head', department: 'campaign' }] }),
          { id: 'n', type: 'channel.in_app', config: { owner: true, title: 'Approved' } },
          end('e'),
        ],
        [edge('t', 'a'), edge('a', 'n', 'approved'), edge('n', 'e', 'sent'), edge('a', 'e', 'rejected'), edge('a', 'e', 'timed_out')],
      ),
    );
    expect(campaignNeeds(doc)).toEqual([
      { nodeId: 'a', reason: "it asks the campaign's department head" },
      { nodeId: 'n', reason: "it sends to the campaign's owner" },
    ]);
  });

  it('never throws and stays bounded on generated configs', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 20 }), fc.string({ maxLength: 300 }), (body, text) => {
        const result = validateFlow(
          flow([trigger(), webhook('w', { body: { body, text } }), end('e')], [edge('t', 'w'), edge('w', 'e', 'sent')]),
        );
        if (!result.ok) return;
        for (const w of flowWarnings(result.flow)) expect(typeof w.message).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});
