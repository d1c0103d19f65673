// What the connection forms and pickers show, derived from the channel catalogue that the server
// checks secrets against (browser-safe: it imports zod only).
import {
  CHANNEL_CATALOGUE,
  MESSAGE_KINDS as CATALOGUE_MESSAGE_KINDS,
  type ChannelField,
  type ChannelKindDefinition,
} from '@flightdeck/activities/catalogue';
import type { ConnectionKind } from '../api/types.ts';

export type KindField = Pick<ChannelField, 'name' | 'required' | 'example'>;

export interface KindForm {
  icon: string;
  secrets: KindField[];
  settings: KindField[];
}

/** A catalogue's kinds as forms: icon, secrets (sealed on the server) and plain settings. */
export function kindForms<K extends string>(catalogue: { readonly [P in K]: ChannelKindDefinition }): Record<K, KindForm> {
  const field = ({ name, required, example }: ChannelField): KindField => ({ name, required, ...(example ? { example } : {}) });
  const form = (d: ChannelKindDefinition): KindForm => ({ icon: d.icon, secrets: d.secrets.map(field), settings: d.settings.map(field) });
  const entries = Object.entries<ChannelKindDefinition>(catalogue).map(([k, d]) => [k, form(d)]);
  return Object.fromEntries(entries) as Record<K, KindForm>;
}

export const KIND_FIELDS: Record<ConnectionKind, KindForm> = kindForms(CHANNEL_CATALOGUE);

/** Kinds a channel.send node can post to; e-mail goes through its own node. */
export const MESSAGE_KINDS: readonly ConnectionKind[] = CATALOGUE_MESSAGE_KINDS;
