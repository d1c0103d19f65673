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
  };
}
export type LinkSigner = ReturnType<typeof linkSigner>;
