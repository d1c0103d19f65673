import { describe, expect, it } from 'vitest';
import { checkMessage, renderMessage, SAMPLE_MESSAGE_SCOPE, validateFlow } from '../src/index.ts';

describe('message templates (Liquid)', () => {
  it('renders campaign, run, metrics and recipient variables with filters', () => {
    const text = renderMessage(
      '{{ campaign.name | truncate: 9 }} · ROI {{ metrics.roi }}' +
        ' · budget {{ campaign.budget.total | divided_by: 10000 }}万 · hi {{ recipient.name }}',
      SAMPLE_MESSAGE_SCOPE,
    );
    expect(text).toBe('618 ne... · ROI 3.4 · budget 120万 · hi Bella Wang');
  });

  it('escapes every output in HTML mode, and nothing in text mode', () => {
    const scope = { campaign: { name: '<script>alert(1)</script> & "618"' } };
    expect(renderMessage('<b>{{ campaign.name }}</b>', scope, 'html')).toBe(
      '<b>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;618&#34;</b>',
    );
    expect(renderMessage('{{ campaign.name }}', scope, 'text')).toBe('<script>alert(1)</script> & "618"');
  });

  it('does arithmetic on CEL integers (BigInt) like on numbers', () => {
    expect(renderMessage('{{ n | plus: 1 }}', { n: 41n })).toBe('42');
  });

  it('reports syntax errors and unknown filters with a position', () => {
    expect(checkMessage('{{ campaign.name }}')).toBeNull();
    expect(checkMessage('{% if x %}open')).toMatch(/not closed/);
    expect(checkMessage('{{ x | shout }}')).toMatch(/undefined filter: shout/);
  });

  it('stops a template that tries to build a huge string', () => {
    expect(() => renderMessage('{% for i in (1..100000000) %}xxxxxxxxxx{% endfor %}', {})).toThrow();
  });

  it('the validator refuses a flow whose message template does not parse, naming the field', () => {
    const result = validateFlow({
      nodes: [
        { id: 't', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
        {
          id: 's',
          type: 'channel.send',
          position: { x: 0, y: 0 },
          config: { connection: '00000000-0000-4000-8000-000000000001', text: 'Hi {{ campaign.name | shout }}' },
        },
      ],
      edges: [{ id: 'e', source: 't', sourceHandle: 'next', target: 's' }],
    });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues).toContainEqual(
        expect.objectContaining({
          nodeId: 's',
          path: expect.arrayContaining(['text']),
          message: expect.stringContaining('undefined filter: shout'),
        }),
      );
  });
});

describe('pickVariables', () => {
  it('copies only what the templates read, so a big run input stays out of each delivery', async () => {
    const { pickVariables } = await import('../src/messages.ts');
    const scope = {
      campaign: { name: '618', budget: { total: 5, currency: 'CNY' }, phases: [{ name: 'warm_up' }] },
      input: { recipients: Array.from({ length: 1000 }, (_, i) => `r${i}`), subject: 'x' },
      nodes: { a: { output: { big: 'y'.repeat(1000), at: 't' } } },
    };
    expect(
      pickVariables(
        [
          '{{ campaign.name }} {{ campaign.budget.total }} {{ input.subject }}',
          '{% for p in campaign.phases %}{{ p.name }}{% endfor %} {{ nodes.a.output.at }}',
        ],
        scope,
      ),
    ).toEqual({
      campaign: { name: '618', budget: { total: 5 }, phases: [{ name: 'warm_up' }] },
      input: { subject: 'x' },
      nodes: { a: { output: { at: 't' } } },
    });
    expect(pickVariables(['{{ campaign }}'], scope)).toEqual({ campaign: scope.campaign });
    expect(pickVariables(['{{ missing.thing }}'], scope)).toEqual({});
  });
});
