import type { z } from 'zod';
import en from 'zod/v4/locales/en.js';
import zhCN from 'zod/v4/locales/zh-CN.js';
import type { Locale } from './nodes/define.ts';
import type { ProblemParams, Words } from './words/entry.ts';
import { API_PROBLEM_TEXT } from './words/api-problems.ts';
import { SCHEMA_TEXT } from './words/schema-messages.ts';

/**
 * The words of every problem, in both languages, from one table: the validator's problems and the flow's warnings
 * (here), the API's own problem documents (words/api-problems.ts) and the schemas' hand-written messages
 * (words/schema-messages.ts). Each has a key and its parameters, and its English `message` (what the API has always
 * answered) and Chinese `zh` are made from them when it is found. The editor shows the one for the reader's language;
 * a client that reads only `message` is unchanged. Zod's own messages come from zod's locales.
 */

export type { ProblemParams } from './words/entry.ts';

export interface ProblemWords {
  message: string;
  zh: string;
  params: ProblemParams;
}

const s = (p: ProblemParams, k: string) => String(p[k] ?? '');

const VALIDATION_TEXT = {
  node_id_twice: { en: (p) => `Node id "${s(p, 'id')}" is used twice`, 'zh-CN': (p) => `节点 ID“${s(p, 'id')}”重复使用` },
  unknown_type: { en: (p) => `Unknown node type "${s(p, 'type')}"`, 'zh-CN': (p) => `未知的节点类型“${s(p, 'type')}”` },
  expression: {
    en: (p) => `Expression "${s(p, 'source')}" does not parse: ${s(p, 'error')}`,
    'zh-CN': (p) => `表达式“${s(p, 'source')}”无法解析：${s(p, 'error')}`,
  },
  template_expression: {
    en: (p) => `Template expression "${s(p, 'source')}" does not parse: ${s(p, 'error')}`,
    'zh-CN': (p) => `模板表达式“${s(p, 'source')}”无法解析：${s(p, 'error')}`,
  },
  no_trigger: { en: () => 'A flow needs exactly one trigger; it has none', 'zh-CN': () => '流程需要且只能有一个触发器；当前没有' },
  triggers: {
    en: (p) => `A flow needs exactly one trigger; it has ${s(p, 'count')}`,
    'zh-CN': (p) => `流程需要且只能有一个触发器；当前有 ${s(p, 'count')} 个`,
  },
  edge_id_twice: { en: (p) => `Edge id "${s(p, 'id')}" is used twice`, 'zh-CN': (p) => `连线 ID“${s(p, 'id')}”重复使用` },
  edge_source_missing: {
    en: (p) => `Edge starts at "${s(p, 'node')}", which is not a node`,
    'zh-CN': (p) => `连线起点“${s(p, 'node')}”不是节点`,
  },
  edge_target_missing: {
    en: (p) => `Edge ends at "${s(p, 'node')}", which is not a node`,
    'zh-CN': (p) => `连线终点“${s(p, 'node')}”不是节点`,
  },
  unknown_handle: {
    en: (p) => `Node "${s(p, 'node')}" has no "${s(p, 'handle')}" handle (it has: ${s(p, 'handles') || 'none'})`,
    'zh-CN': (p) => `节点“${s(p, 'node')}”没有“${s(p, 'handle')}”出口（现有：${s(p, 'handles') || '无'}）`,
  },
  edge_into_trigger: {
    en: (p) => `"${s(p, 'node')}" is a trigger and cannot have incoming edges`,
    'zh-CN': (p) => `“${s(p, 'node')}”是触发器，不能有连入的连线`,
  },
  annotation_id_taken: {
    en: (p) => `The id "${s(p, 'id')}" is already used by a node, note or group`,
    'zh-CN': (p) => `ID“${s(p, 'id')}”已被节点、便签或分组使用`,
  },
  group_member_missing: {
    en: (p) => `Group "${s(p, 'group')}" frames "${s(p, 'node')}", which is not a node`,
    'zh-CN': (p) => `分组“${s(p, 'group')}”框住的“${s(p, 'node')}”不是节点`,
  },
  node_in_two_groups: {
    en: (p) => `"${s(p, 'node')}" is already in group "${s(p, 'group')}"; a node belongs to one group at most`,
    'zh-CN': (p) => `“${s(p, 'node')}”已在分组“${s(p, 'group')}”中；一个节点最多属于一个分组`,
  },
  connection_twice: { en: () => 'The same connection is drawn twice', 'zh-CN': () => '同一条连线画了两次' },
  unreachable: {
    en: (p) => `"${s(p, 'node')}" cannot be reached from the trigger`,
    'zh-CN': (p) => `从触发器无法到达“${s(p, 'node')}”`,
  },
  cycle: {
    en: (p) => `Loop without a delay: ${s(p, 'loop')}. A loop must pass through a delay node of at least ${s(p, 'seconds')} s`,
    'zh-CN': (p) => `循环中没有延时：${s(p, 'loop')}。循环必须经过至少 ${s(p, 'seconds')} 秒的延时节点`,
  },
  unhandled_outcome: {
    en: (p) => `"${s(p, 'node')}" has no "${s(p, 'handle')}" path: when that happens, the run fails`,
    'zh-CN': (p) => `“${s(p, 'node')}”没有画“${s(p, 'handle')}”分支：一旦出现这种结果，运行就会失败`,
  },
  needs_campaign: {
    en: (p) => `Runs of this flow need a campaign: ${s(p, 'steps')}${s(p, 'more') ? ` and ${s(p, 'more')} more` : ''} fail without one`,
    'zh-CN': (p) => `此流程的运行需要关联活动：${s(p, 'steps')}${s(p, 'more') ? ` 等另外 ${s(p, 'more')} 个步骤` : ''}在没有活动时会失败`,
  },
  needs_campaign_event: {
    en: (p) => `"${s(p, 'node')}" needs the run's campaign (${s(p, 'reason')}), but runs started by ${s(p, 'trigger')} have none`,
    'zh-CN': (p) => `“${s(p, 'node')}”需要运行所属的活动（${s(p, 'reason')}），但由 ${s(p, 'trigger')} 启动的运行没有活动`,
  },
} satisfies Record<string, Words>;

const TEXT = { ...VALIDATION_TEXT, ...API_PROBLEM_TEXT, ...SCHEMA_TEXT } satisfies Record<string, Words>;

export type ProblemKey = keyof typeof TEXT;

/** Every key of the table, for its own tests. */
export const PROBLEM_KEYS = Object.keys(TEXT) as ProblemKey[];

export const isProblemKey = (key: unknown): key is ProblemKey => typeof key === 'string' && Object.hasOwn(TEXT, key);

/** A problem named by its key: what a service or the HTTP edge throws, worded for the reader at the edge. */
export interface Said {
  key: ProblemKey;
  params: ProblemParams;
}
export const said = (key: ProblemKey, params: ProblemParams = {}): Said => ({ key, params });

/** A problem's words in one language. */
export function problemIn(key: ProblemKey, params: ProblemParams, locale: Locale): string {
  return TEXT[key][locale](params);
}

const SCHEMA_MESSAGES = new Map<string, Said>();

/**
 * A schema's own message (English, as zod shows it), remembered so that zodWords finds its key and Chinese words.
 * Call it where the schema is defined (fixed parameters); a message made per parse names its key in the issue's
 * `params` instead, so the map stays bounded.
 */
export function schemaMessage(key: ProblemKey, params: ProblemParams = {}): string {
  const message = TEXT[key].en(params);
  SCHEMA_MESSAGES.set(message, said(key, params));
  return message;
}

/** A problem's words in both languages, with its parameters. */
export function problemWords(key: ProblemKey, params: ProblemParams = {}): ProblemWords {
  return { message: TEXT[key].en(params), zh: TEXT[key]['zh-CN'](params), params: { key, ...params } };
}

/** What a reader sees of a problem: its Chinese words for a Chinese reader where it has them, else its message. */
export function problemText(issue: { message: string; zh?: string }, locale: Locale): string {
  return locale === 'zh-CN' && typeof issue.zh === 'string' && issue.zh ? issue.zh : issue.message;
}

const DEFAULT_MARK = '\u0000zod-default\u0000';
const enWords = en().localeError;
const zhWords = zhCN().localeError;
const textOf = (m: ReturnType<typeof enWords>) => (typeof m === 'string' ? m : (m?.message ?? ''));

/**
 * A per-parse error map for safeParse: it runs only where the schema gave no message of its own, and there it writes
 * both languages (zod's locales, while the issue still holds its input), for zodWords to unpack.
 */
export const bothLanguages: z.core.$ZodErrorMap = (issue) =>
  DEFAULT_MARK + JSON.stringify([textOf(enWords(issue)), textOf(zhWords(issue))]);

/**
 * A zod issue's words: the two languages bothLanguages wrote; a schema's own message in both languages where the table
 * has it (by the key in the issue's params, or as schemaMessage remembered it); else its message (English) alone.
 */
export function zodWords(issue: { message: string; params?: unknown }): { message: string; zh?: string; params?: ProblemParams } {
  const { message } = issue;
  const named = issue.params as { key?: unknown } | undefined;
  const own = isProblemKey(named?.key) ? said(named.key, issue.params as ProblemParams) : SCHEMA_MESSAGES.get(message);
  if (own) return problemWords(own.key, own.params);
  if (!message.startsWith(DEFAULT_MARK)) return { message };
  try {
    const [m, zh] = JSON.parse(message.slice(DEFAULT_MARK.length)) as [string, string];
    return { message: m, zh };
  } catch {
    return { message: message.slice(DEFAULT_MARK.length) };
  }
}
