import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { computeReview } from '@flightdeck/workflows';
import { ReviewPdfRenderer } from '../src/services/review-pdf.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';
import { Unavailable } from '../src/services/errors.ts';

const review = computeReview(
  { id: 'c-pdf', name: '复盘 PDF test', timezone: 'Asia/Shanghai', goals: [{ kpi: 'roi', target: 3, unit: 'ratio' }] },
  [{ ts: '2026-06-01T00:00:00Z', channel: 'douyin_ads', metric: 'spend', value: 100 }],
);
const stored = { version: 3, computedAt: '2026-06-03T00:00:00Z', trigger: 'person', actor: 'Ana', runId: null, points: 1, watermark: null };
const input = { campaignId: 'c-pdf', review: { ...review, stored }, versions: [stored], lang: 'en' as const };

/** The renderer's bounds, on its own: the review-node test prints through the route. */
describe('ReviewPdfRenderer', () => {
  const renderers: ReviewPdfRenderer[] = [];
  const make = (opts: Partial<ConstructorParameters<typeof ReviewPdfRenderer>[0]> = {}) => {
    const r = new ReviewPdfRenderer({ editorDist: EDITOR_TEST_DIST, ...opts });
    renderers.push(r);
    return r;
  };
  afterAll(async () => {
    await Promise.all(renderers.map((r) => r.close()));
  });

  it('prints a PDF, and prints again after its browser was closed', async () => {
    expect(existsSync(`${EDITOR_TEST_DIST}/index.html`), 'npm run build:test -w @flightdeck/editor first').toBe(true);
    const r = make();
    const pdf = await r.render(input);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await r.close();
    expect((await r.render({ ...input, lang: 'zh-CN' })).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('says what is missing: no browser, or no built editor', async () => {
    expect(make({ chromiumPath: '/nonexistent/chromium' }).missing()).toMatch(/apt-get install -y chromium fonts-noto-cjk/);
    expect(make({ editorDist: '/nonexistent/dist' }).missing()).toMatch(/npm run build/);
    await expect(make({ chromiumPath: '/nonexistent/chromium' }).render(input)).rejects.toBeInstanceOf(Unavailable);
  });

  it('a full queue refuses at once; a render past its time limit is refused, and the next one still prints', async () => {
    const r = make({ queueLimit: 0 });
    const results = await Promise.allSettled([r.render(input), r.render(input)]);
    expect(results[0]!.status).toBe('fulfilled');
    expect(results[1]).toMatchObject({ status: 'rejected', reason: expect.any(Unavailable) });
    expect(String((results[1] as PromiseRejectedResult).reason.message)).toMatch(/Too many PDFs/);

    const hurried = make({ timeoutMs: 1 });
    await expect(hurried.render(input)).rejects.toThrow(/took longer than/);
    const patient = make();
    expect((await patient.render(input)).length).toBeGreaterThan(1000);
  });
});
