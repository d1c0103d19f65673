import { SignJWT, jwtVerify, errors } from 'jose';
import { randomUUID } from 'node:crypto';
import type { Decision } from '@flightdeck/workflows';

/** What a one-click e-mail link carries: signed, expiring, single-use (jti). */
export interface DecisionLinkClaims {
  taskId: string;
  userId: string;
  decision: Decision;
  jti: string;
}

export class LinkError extends Error {
  constructor(
    readonly reason: 'expired' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

const AUDIENCE = 'flightdeck:approval-link';
/** Its own audience, so an approval link never acknowledges an alert, nor the other way round. */
const ALERT_ACK_AUDIENCE = 'flightdeck:alert-ack-link';

/**
 * What a one-click alert acknowledgement link carries: a person's (e-mail) acks as them; a chat room's (robot
 * message) acks for the room, since anyone in it may click, and the timeline names the room.
 */
export type AlertAckClaims = { alertId: string; jti: string; setId?: string } & ({ userId: string } | { connectionId: string });
/** A grouped message's link names the set of alerts it told (alert_ack_sets); its `alertId` is the set's lead. */
type AlertAckTarget = { alertId: string; setId?: string } & ({ userId: string } | { connectionId: string });

const CHAT_SUBJECT = 'connection:';

export function linkSigner(secret: string) {
  const key = new TextEncoder().encode(secret);
  return {
    async sign(claims: Omit<DecisionLinkClaims, 'jti'>, ttlSeconds: number): Promise<string> {
      return new SignJWT({ task: claims.taskId, decision: claims.decision })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(claims.userId)
        .setAudience(AUDIENCE)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .sign(key);
    },
    async verify(token: string): Promise<DecisionLinkClaims> {
      try {
        const { payload } = await jwtVerify(token, key, { audience: AUDIENCE, algorithms: ['HS256'] });
        const decision = payload.decision;
        if (typeof payload.task !== 'string' || !payload.sub || !payload.jti || (decision !== 'approve' && decision !== 'reject')) {
          throw new LinkError('invalid', 'This link is not a Flightdeck approval link');
        }
        return { taskId: payload.task, userId: payload.sub, decision, jti: payload.jti };
      } catch (err) {
        if (err instanceof LinkError) throw err;
        if (err instanceof errors.JWTExpired) throw new LinkError('expired', 'This link has expired; decide from the inbox instead');
        throw new LinkError('invalid', 'This link is not valid (it may have been altered)');
      }
    },
    async signAlertAck(claims: AlertAckTarget, ttlSeconds: number) {
      return new SignJWT({ alert: claims.alertId, ...(claims.setId ? { set: claims.setId } : {}) })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('userId' in claims ? claims.userId : `${CHAT_SUBJECT}${claims.connectionId}`)
        .setAudience(ALERT_ACK_AUDIENCE)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .sign(key);
    },
    async verifyAlertAck(token: string): Promise<AlertAckClaims> {
      try {
        const { payload } = await jwtVerify(token, key, { audience: ALERT_ACK_AUDIENCE, algorithms: ['HS256'] });
        if (
          typeof payload.alert !== 'string' ||
          !payload.sub ||
          !payload.jti ||
          (payload.set !== undefined && typeof payload.set !== 'string')
        )
          throw new LinkError('invalid', 'This link is not a Flightdeck alert link');
        const base = { alertId: payload.alert, jti: payload.jti, ...(payload.set ? { setId: payload.set as string } : {}) };
        if (payload.sub.startsWith(CHAT_SUBJECT)) return { ...base, connectionId: payload.sub.slice(CHAT_SUBJECT.length) };
        return { ...base, userId: payload.sub };
      } catch (err) {
        if (err instanceof LinkError) throw err;
        if (err instanceof errors.JWTExpired) throw new LinkError('expired', 'This link has expired; acknowledge from Flightdeck instead');
        throw new LinkError('invalid', 'This link is not valid (it may have been altered)');
      }
    },
  };
}
export type LinkSigner = ReturnType<typeof linkSigner>;

/** Alert links stay valid a day: an alert nobody acknowledged by then has been escalated long since. */
export const ALERT_LINK_TTL_SECONDS = 86_400;

/**
 * `alertAckLink(alertId, personId)`: the URL of a one-click acknowledgement for that person, for channel messages
 * to include. Its GET shows a confirmation page; only the page's POST acknowledges, once.
 */
export function alertAckLinker(secret: string, publicUrl: string) {
  const signer = linkSigner(secret);
  const base = publicUrl.replace(/\/$/, '');
  return async function alertAckLink(alertId: string, personId: string, setId?: string): Promise<string> {
    const claims = { alertId, userId: personId, ...(setId ? { setId } : {}) };
    return `${base}/alert-ack?token=${await signer.signAlertAck(claims, ALERT_LINK_TTL_SECONDS)}`;
  };
}

/** `chatAckLink(alertId, connectionId)`: the same one-click link, for a robot message in that chat room. */
export function chatAckLinker(secret: string, publicUrl: string) {
  const signer = linkSigner(secret);
  const base = publicUrl.replace(/\/$/, '');
  return async function chatAckLink(alertId: string, connectionId: string, setId?: string): Promise<string> {
    const claims = { alertId, connectionId, ...(setId ? { setId } : {}) };
    return `${base}/alert-ack?token=${await signer.signAlertAck(claims, ALERT_LINK_TTL_SECONDS)}`;
  };
}
