import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { RENDER_TIMEOUT_MS, RenderPool } from '../../activities/src/render-pool.ts';
import { MESSAGE_LIMITS, PARTIALS_REFUSED } from '@flightdeck/workflows';

/** Templates render on a thread of their own, with a hard timeout and a memory cap. */
describe('the render thread', () => {
  const pool = new RenderPool();
  // The product's own timeout: a shorter one could also end the well-behaved renders on a busy machine.
  const workerUrl = new URL('./fixtures/misbehaving-render-worker.ts', import.meta.url);
  const misbehaving = new RenderPool({ timeoutMs: RENDER_TIMEOUT_MS, workerUrl });
  afterAll(async () => {
    await pool.close();
    await misbehaving.close();
  });

  it('renders text and HTML off the event loop', async () => {
    expect(await pool.render('Hello {{ recipient.name }}', { recipient: { name: 'Bella' } }, 'text')).toBe('Hello Bella');
    expect(await pool.render('<p>{{ campaign.name }}</p>', { campaign: { name: '<b>618</b>' } }, 'html')).toBe(
      '<p>&lt;b&gt;618&lt;/b&gt;</p>',
    );
  });

  it('answers hostile templates with their limit error, and keeps rendering afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: 4, max: 7 }).map((d) => {
            let body = '{{ a0 }}';
            for (let i = d - 1; i >= 0; i--) body = `{% for a${i} in s %}${body}{% endfor %}`;
            return `{% assign s = "x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x" | split: "," %}${body}`;
          }),
          fc.integer({ min: 5_000_000, max: 90_000_000 }).map((n) => `{% for i in (1..${n}) %}{{ i }}{% endfor %}`),
          fc.constantFrom('{% include "../../.data/secret" %}', '{% render "/etc/passwd" %}', '{% layout campaign.name %}'),
        ),
        async (source) => {
          await expect(pool.render(source, { campaign: { name: '../../.data/secret' } }, 'text')).rejects.toThrow(
            /limit exceeded|longer than|cannot include/,
          );
        },
      ),
      { numRuns: 12 },
    );
    expect(await pool.render('still {{ ok }}', { ok: 'fine' }, 'text')).toBe('still fine');
    await expect(pool.render('{% include "x" %}', {}, 'text')).rejects.toThrow(PARTIALS_REFUSED);
    // The soft limit answers with the reason before the hard timeout has to end the thread.
    expect(MESSAGE_LIMITS.renderMs).toBeLessThan(RENDER_TIMEOUT_MS);
  });

  it('ends a thread that does not answer in time, fails only that render, and starts a new thread', async () => {
    const before = misbehaving.started;
    const [hung, next] = await Promise.allSettled([misbehaving.render('spin', {}, 'text'), misbehaving.render('after', {}, 'text')]);
    expect(hung.status).toBe('rejected');
    expect((hung as PromiseRejectedResult).reason.message).toBe(`Rendering the message took longer than ${RENDER_TIMEOUT_MS} ms`);
    expect(next).toEqual({ status: 'fulfilled', value: 'rendered after' });
    expect(misbehaving.started).toBe(before + 2);
  });

  it('ends a thread that runs out of memory, and starts a new one', async () => {
    await expect(misbehaving.render('oom', {}, 'text')).rejects.toThrow(/out of memory|longer than/);
    expect(await misbehaving.render('fine', {}, 'text')).toBe('rendered fine');
  });
});
