import { z } from 'zod';
import { durationMs, durationSchema } from '../duration.ts';
import { defineNode } from './define.ts';

export const delay = defineNode({
  type: 'control.delay',
  family: 'control',
  configSchema: () => z.strictObject({ duration: durationSchema() }),
  handles: () => ['next'],
  hasInput: true,
  editor: { icon: '⏱', color: '#7c3aed', defaultConfig: { duration: '1h' } },
  text: {
    en: {
      title: 'Delay',
      description: 'Waits for a fixed time. Durable: survives restarts, and weeks-long waits just work.',
      fields: { duration: { label: 'Duration', help: 'For example 30s, 15m, 2h, 3d, 1w or 1h30m' } },
      handles: { next: 'next' },
    },
    'zh-CN': {
      title: '延时',
      description: '等待一段固定时间。持久化：重启不丢失，等待数周也可靠。',
      fields: { duration: { label: '时长', help: '例如 30s、15m、2h、3d、1w 或 1h30m' } },
      handles: { next: '下一步' },
    },
  },
  docs: 'A durable timer. The only node through which a flow may loop back.',
  async execute({ config, ports, park, unpark, resume }) {
    const parked = resume as { startedAt?: unknown; until?: unknown } | undefined;
    const started = typeof parked?.startedAt === 'number' ? parked.startedAt : ports.now();
    const until = typeof parked?.until === 'number' ? parked.until : started + durationMs(config.duration);
    // A run may continue as new during the wait; the next one sleeps only what is left.
    park({ startedAt: started, until });
    const left = until - ports.now();
    if (left > 0) await ports.sleep(left);
    unpark();
    return { handle: 'next', output: { waitedMs: ports.now() - started } };
  },
});
