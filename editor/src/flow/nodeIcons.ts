import {
  AlarmClock,
  BadgeCheck,
  Bell,
  CalendarClock,
  ChartColumn,
  ChartLine,
  CirclePause,
  CircleQuestionMark,
  CircleStop,
  ClipboardList,
  Flag,
  GitBranch,
  GitFork,
  GitMerge,
  Mail,
  Megaphone,
  NotebookPen,
  Play,
  RadioTower,
  Rocket,
  Siren,
  Timer,
  Webhook,
  Workflow,
  Zap,
  type LucideIcon,
} from 'lucide-react';

/**
 * The one place that says which picture a node type has, in the palette, on the canvas and in the inspector.
 * Icons rather than emoji: emoji render differently (or as boxes) from one system font to the next.
 */
export const NODE_ICONS: Readonly<Record<string, LucideIcon>> = {
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

/** Shown for a type the catalogue does not know (a flow from a newer version, a typo in an import). */
export const UNKNOWN_NODE_ICON: LucideIcon = CircleQuestionMark;

export function nodeIcon(type: string): LucideIcon {
  // hasOwn: a node type named "constructor" or "__proto__" must not find Object's members.
  return Object.hasOwn(NODE_ICONS, type) ? NODE_ICONS[type]! : UNKNOWN_NODE_ICON;
}
