// What the connection forms and pickers show, derived from the channel catalogue that the server
// checks secrets against (browser-safe: it imports zod only).
import {
  CHANNEL_CATALOGUE,
  fieldsOf,
  MESSAGE_KINDS as CATALOGUE_MESSAGE_KINDS,
  type ChannelField,
  type ChannelKindDefinition,
} from '@flightdeck/activities/catalogue';
import type { ConnectionKind } from '../api/types.ts';

export type KindField = Pick<ChannelField, 'name' | 'required' | 'example' | 'options'>;

export interface KindForm {
  icon: string;
  secrets: KindField[];
  settings: KindField[];
}

/** A catalogue's kinds as forms: icon, secrets (sealed on the server) and plain settings. */
export function kindForms<K extends string>(catalogue: { readonly [P in K]: ChannelKindDefinition }): Record<K, KindForm> {
  const field = ({ name, required, example, options }: ChannelField): KindField => ({
    name,
    required,
    ...(example ? { example } : {}),
    ...(options ? { options } : {}),
  });
  const form = (d: ChannelKindDefinition): KindForm => ({ icon: d.icon, secrets: d.secrets.map(field), settings: d.settings.map(field) });
  const entries = Object.entries<ChannelKindDefinition>(catalogue).map(([k, d]) => [k, form(d)]);
  return Object.fromEntries(entries) as Record<K, KindForm>;
}

export const KIND_FIELDS: Record<ConnectionKind, KindForm> = kindForms(CHANNEL_CATALOGUE);

/**
 * The fields a connection shows with these settings: its provider's for SMS (chosen by the
 * `provider` setting), the kind's own otherwise. The server checks the same choice.
 */
export function formFields(kind: ConnectionKind, settings: Record<string, unknown>): Pick<KindForm, 'secrets' | 'settings'> {
  const chosen = fieldsOf(CHANNEL_CATALOGUE[kind], settings) ?? CHANNEL_CATALOGUE[kind];
  return kindForms({ [kind]: { ...CHANNEL_CATALOGUE[kind], ...chosen } } as Record<ConnectionKind, ChannelKindDefinition>)[kind];
}

/** Which provider these settings choose ('' for a kind with only one way of sending). */
export function variantOf(kind: ConnectionKind, settings: Record<string, unknown>): string {
  const v = CHANNEL_CATALOGUE[kind].variants;
  return v ? String(settings[v.setting] || v.default) : '';
}

/** Kinds a channel.send node can post to; e-mail goes through its own node. */
export const MESSAGE_KINDS: readonly ConnectionKind[] = CATALOGUE_MESSAGE_KINDS;
