import { z } from 'zod';
import { durationMs, durationSchema } from '../duration.ts';
import { defineNode } from './define.ts';

export const delay = defineNode({
  type: 'control.delay',
  family: 'control',
  configSchema: z.strictObject({ duration: durationSchema }),
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
  async execute({ config, ports }) {
    const ms = durationMs(config.duration);
    const started = ports.now();
    await ports.sleep(ms);
    return { handle: 'next', output: { waitedMs: ports.now() - started } };
  },
});
