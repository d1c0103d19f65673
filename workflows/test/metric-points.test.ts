import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  checkDimensions,
  checkIngestBatch,
  checkIngestPoint,
  fileLineOf,
  INGEST_LIMITS,
  parseMetricTime,
  rawMetricOf,
  readMetricsCsv,
  splitMetricsCsv,
} from '../src/metric-points.ts';

describe('metric point checks', () => {
  it('times: ISO 8601 with a zone, real dates, years 2000–2099 (of the UTC instant)', () => {
    expect(parseMetricTime('2026-05-20T00:00:00Z')).toBe(Date.UTC(2026, 4, 20));
    expect(parseMetricTime('2026-05-20T08:00:00+08:00')).toBe(Date.UTC(2026, 4, 20));
    expect(parseMetricTime('2026-05-20T00:00Z')).toBe(Date.UTC(2026, 4, 20));
    expect(parseMetricTime('2026-05-20T00:00:00.25-01:30')).toBe(Date.UTC(2026, 4, 20, 1, 30, 0, 250));
    for (const bad of [
      '2026-05-20T00:00:00',
      '2026-05-20',
      '2026-02-30T00:00:00Z',
      '2026-05-20T24:00:00Z',
      '2026-05-20 00:00:00Z',
      1,
      null,
    ])
      expect(typeof parseMetricTime(bad), String(bad)).toBe('string');
    expect(parseMetricTime('2100-01-01T00:00:00Z')).toMatch(/outside the years/);
    expect(parseMetricTime('1999-12-31T23:59:59Z')).toMatch(/outside the years/);
  });

  it('metrics: raw ones by id or alias; derived KPIs and unknown names refused', () => {
    expect(rawMetricOf('Clicks')).toBe('clicks');
    expect(rawMetricOf('negative')).toBe('negative_mentions');
    expect(rawMetricOf('ctr')).toMatch(/derived KPI/);
    expect(rawMetricOf('CAC')).toMatch(/cpa is a derived KPI/);
    expect(rawMetricOf('page_views')).toMatch(/not a known metric/);
  });

  it('dimensions: flat, few, short; the key does not depend on the order they were written in', () => {
    const a = checkDimensions({ region: 'north', age: '18-24' });
    const b = checkDimensions({ age: '18-24', region: 'north' });
    expect(a).toEqual(b);
    expect(checkDimensions(undefined)).toEqual({ dimensions: {}, key: '' });
    expect(checkDimensions({})).toEqual({ dimensions: {}, key: '' });
    for (const bad of [
      null,
      [],
      'x',
      { a: 1 },
      { '': 'x' },
      { a: 'x'.repeat(65) },
      Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v'])),
    ])
      expect(typeof checkDimensions(bad), JSON.stringify(bad)).toBe('string');
  });

  it('a point names every bad field at once', () => {
    const r = checkIngestPoint({ ts: 'now', channel: 'Bad Channel', metric: 'roi', value: Infinity, dimensions: 3, more: 1 });
    expect('issues' in r && r.issues.map((i) => i.field)).toEqual(['point', 'ts', 'channel', 'metric', 'value', 'dimensions']);
  });

  it('property: whatever comes in, the check answers (never throws) and an accepted point is within every limit', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              ts: fc.oneof(
                fc.string(),
                fc.date().map((d) => (isNaN(d.getTime()) ? 'x' : d.toISOString())),
              ),
              channel: fc.string(),
              metric: fc.string(),
              value: fc.double(),
              dimensions: fc.anything(),
            },
            { requiredKeys: [] },
          ),
        ),
        (raw) => {
          const r = checkIngestPoint(raw);
          if ('point' in r) {
            const year = new Date(r.point.ts).getUTCFullYear();
            expect(year >= INGEST_LIMITS.minYear && year <= INGEST_LIMITS.maxYear).toBe(true);
            expect(Number.isFinite(r.point.value)).toBe(true);
            expect(r.point.channel.length).toBeLessThanOrEqual(INGEST_LIMITS.channelChars);
          } else expect(r.issues.length).toBeGreaterThan(0);
        },
      ),
      { seed: 12, numRuns: 500 },
    );
  });
});

describe('metrics CSV', () => {
  const header = 'ts,channel,metric,value';
  it('reads the scenario format, numbering lines from the header as 1', () => {
    const r = readMetricsCsv(
      `\uFEFF${header}\r\n2026-05-20T00:00:00Z,sms,clicks,1.5\r\n\r\nnot,enough\n2026-05-20T00:00:00Z,sms,spend,0x1F\n`,
    );
    expect(r.rows).toEqual([
      { at: 2, raw: { ts: '2026-05-20T00:00:00Z', channel: 'sms', metric: 'clicks', value: 1.5 } },
      { at: 5, raw: { ts: '2026-05-20T00:00:00Z', channel: 'sms', metric: 'spend', value: '0x1F' } },
    ]);
    expect(r.issues.map((i) => i.at)).toEqual([4]);
    expect(r.badLines).toBe(1);
    expect(readMetricsCsv('a,b,c\n1,2,3').issues[0]!.message).toMatch(/header/);
  });

  it('splits a file into batches with the header, and maps batch lines back to file lines', () => {
    const text = [header, 'a1', 'a2', '', 'a3', 'a4', 'a5'].join('\n');
    const batches = splitMetricsCsv(text, 2);
    expect(batches.map((b) => [b.firstLine, b.points, b.text])).toEqual([
      [2, 2, `${header}\na1\na2\n`],
      [5, 2, `${header}\na3\na4\n`],
      [7, 1, `${header}\na5\n`],
    ]);
    expect(fileLineOf(text, batches[0]!, 3)).toBe(3);
    expect(fileLineOf(text, batches[1]!, 2)).toBe(5);
    expect(fileLineOf(text, batches[1]!, 3)).toBe(6);
  });
});

describe('a batch remembers the checks of its repeated strings', () => {
  const text = fc.oneof(
    fc.constantFrom('2026-05-20T00:00:00Z', '2026-05-20T08:00:00+08:00', '2026-02-30T00:00:00Z', 'soon', '', 'toString', '__proto__'),
    fc.constantFrom('web', 'douyin_ads', 'Web', 'Clicks', 'ctr', 'negative', 'bogus', 'constructor'),
    fc.string({ maxLength: 12 }),
  );
  const value = fc.oneof(text, fc.constantFrom(undefined, null, 7, Number.NaN, Infinity, 1e300, -5, {}, []), fc.double());
  const raw = fc.oneof(
    fc.record({ ts: value, channel: value, metric: value, value }, { requiredKeys: [] }),
    fc.constantFrom(null, 'point', 3, [], { ts: '2026-05-20T00:00:00Z', channel: 'web', metric: 'clicks', value: 1, extra: 1 }),
  );

  it('answers as checking each point alone would, point by point and issue by issue (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(raw, { maxLength: 60 }), (raws) => {
        const batch = checkIngestBatch(raws.map((r, at) => ({ at, raw: r })));
        const alone = raws.map((r) => checkIngestPoint(r));
        const bad = alone.filter((r) => 'issues' in r).length;
        if (bad === 0) expect(batch).toEqual({ ok: true, points: alone.map((r) => (r as { point: unknown }).point) });
        else {
          expect(batch.ok).toBe(false);
          if (!batch.ok) {
            expect(batch.badPoints).toBe(bad);
            const issues = alone.flatMap((r, at) => ('issues' in r ? r.issues.map((i) => ({ at, ...i })) : []));
            expect(batch.issues).toEqual(issues.slice(0, INGEST_LIMITS.listedIssues));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
