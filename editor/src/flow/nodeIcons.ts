import * as AlarmClock from 'lucide-react/icons/alarm-clock';
import * as BadgeCheck from 'lucide-react/icons/badge-check';
import * as Bell from 'lucide-react/icons/bell';
import * as CalendarClock from 'lucide-react/icons/calendar-clock';
import * as ChartColumn from 'lucide-react/icons/chart-column';
import * as ChartLine from 'lucide-react/icons/chart-line';
import * as CirclePause from 'lucide-react/icons/circle-pause';
import * as CircleQuestionMark from 'lucide-react/icons/circle-question-mark';
import * as CircleStop from 'lucide-react/icons/circle-stop';
import * as ClipboardList from 'lucide-react/icons/clipboard-list';
import * as Flag from 'lucide-react/icons/flag';
import * as GitBranch from 'lucide-react/icons/git-branch';
import * as GitFork from 'lucide-react/icons/git-fork';
import * as GitMerge from 'lucide-react/icons/git-merge';
import * as Mail from 'lucide-react/icons/mail';
import * as Megaphone from 'lucide-react/icons/megaphone';
import * as NotebookPen from 'lucide-react/icons/notebook-pen';
import * as Play from 'lucide-react/icons/play';
import * as RadioTower from 'lucide-react/icons/radio-tower';
import * as Rocket from 'lucide-react/icons/rocket';
import * as Siren from 'lucide-react/icons/siren';
import * as Timer from 'lucide-react/icons/timer';
import * as Webhook from 'lucide-react/icons/webhook';
import * as Workflow from 'lucide-react/icons/workflow';
import * as Zap from 'lucide-react/icons/zap';
import type { LucideIcon } from 'lucide-react';

/**
 * The one place that says which picture a node type has, in the palette, on the canvas and in the inspector.
 * Icons rather than emoji: emoji render differently (or as boxes) from one system font to the next.
 */
const NODE_ICON_MODULES: Readonly<Record<string, IconModule>> = {
  'trigger.manual': Play,
  'trigger.webhook': Zap,
  'trigger.schedule': CalendarClock,
  'approval.request': BadgeCheck,
  'human.task': ClipboardList,
  'channel.send': Megaphone,
  'channel.email': Mail,
  'channel.in_app': Bell,
  'channel.broadcast': RadioTower,
  'channel.webhook': Webhook,
  'campaign.launch': Rocket,
  'campaign.channel_control': CirclePause,
  'campaign.status': Flag,
  'campaign.kpis': ChartColumn,
  'monitoring.monitor': ChartLine,
  'monitoring.escalate': Siren,
  'flow.subflow': Workflow,
  'campaign.review': NotebookPen,
  'control.condition': GitBranch,
  'control.parallel': GitFork,
  'control.join': GitMerge,
  'control.delay': Timer,
  'control.wait_until': AlarmClock,
  'control.end': CircleStop,
};

/**
 * An icon's module: the component, and the shapes it draws (exported by each lucide-react icon module beside the
 * component, not declared in its types). The canvas draws the shapes as a CSS mask (see canvasGlyphs.ts): an inline
 * SVG per node was five elements and some twenty attributes for React to create, style and lay out, 500 times over.
 */
type IconModule = { default: LucideIcon };
export type IconShapes = readonly (readonly [string, Readonly<Record<string, string | number>>])[];

export const NODE_ICONS: Readonly<Record<string, LucideIcon>> = Object.fromEntries(
  Object.entries(NODE_ICON_MODULES).map(([type, m]) => [type, m.default]),
);

/** Shown for a type the catalogue does not know (a flow from a newer version, a typo in an import). */
export const UNKNOWN_NODE_ICON: LucideIcon = CircleQuestionMark.default;

export function nodeIcon(type: string): LucideIcon {
  // hasOwn: a node type named "constructor" or "__proto__" must not find Object's members.
  return Object.hasOwn(NODE_ICONS, type) ? NODE_ICONS[type]! : UNKNOWN_NODE_ICON;
}

function shapesOf(m: IconModule): IconShapes {
  return (m as unknown as { __iconData: { node: IconShapes } }).__iconData.node;
}

/** Each known type's shapes, and `null`'s for an unknown type. */
export function nodeIconShapes(): { type: string | null; shapes: IconShapes }[] {
  return [
    ...Object.entries(NODE_ICON_MODULES).map(([type, m]) => ({ type, shapes: shapesOf(m) })),
    { type: null, shapes: shapesOf(CircleQuestionMark) },
  ];
}
