import { Inject, Injectable, Optional } from '@nestjs/common';
import { decodeJwt, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../errors/app-error.js';
import { ROLES, type Caller, type Role } from './caller.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

export const JWT_SECRET = Symbol('JWT_SECRET');
export const JWT_CLAIMS = Symbol('JWT_CLAIMS');

/**
 * JWT_AUDIENCE / JWT_ISSUER: when set, every token must carry exactly that `aud` / `iss` (and sign()
 * puts them in). JWT_MAX_LIFETIME_DAYS: no token lives longer, counted from its `iat` (from now when
 * it has none), so a leaked long-lived token is refused here however it was minted.
 */
export interface JwtClaimRules {
  audience: string | null;
  issuer: string | null;
  maxLifetimeDays: number;
}

const DEFAULT_RULES: JwtClaimRules = { audience: null, issuer: null, maxLifetimeDays: 30 };

/** A subject is stored as who sent a notification (varchar 200) and printed in logs. */
const MAX_SUBJECT_CHARS = 200;
/** No control character (NUL among them) and no lone surrogate: PostgreSQL refuses those in text. */
const SUBJECT = new RegExp(`^[^\\p{Cc}\\p{Cs}]{1,${MAX_SUBJECT_CHARS}}$`, 'u');

/** Distinct valid tokens remembered (a few hundred bytes each): far more than callers at once. */
const VERIFIED_TOKENS_CACHED = 1024;

/** Issues and verifies the HS256 bearer tokens every transport accepts. */
@Injectable()
export class TokenService {
  private readonly key: Uint8Array;
  private readonly verified = new VerifiedTokenCache(VERIFIED_TOKENS_CACHED);

  constructor(
    @Inject(JWT_SECRET) secret: string,
    @Optional() @Inject(JWT_CLAIMS) private readonly rules: JwtClaimRules = DEFAULT_RULES,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /**
   * The caller a token proves. A token verified before and not yet expired is answered from the
   * cache (same caller, same checks passed; jose reads the clock the same way, Date.now()).
   */
  async verify(token: string): Promise<Caller> {
    const cached = this.verified.get(token, Math.floor(Date.now() / 1000));
    if (cached !== undefined) return cached;
    const { caller, exp } = await this.verifyFully(token);
    this.verified.set(token, caller, exp);
    return caller;
  }

  private async verifyFully(token: string): Promise<{ caller: Caller; exp: number | undefined }> {
    let payload: Record<string, unknown>;
    try {
      // exp is required: a token that never expires is a credential that can never be withdrawn.
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        requiredClaims: ['sub', 'exp'],
        ...(this.rules.audience !== null ? { audience: this.rules.audience } : {}),
        ...(this.rules.issuer !== null ? { issuer: this.rules.issuer } : {}),
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new AppError('auth.token_expired', 'Token has expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed) throw new AppError('auth.invalid_token', claimMessage(err.claim));
      throw new AppError('auth.invalid_token', 'Token is not a valid HS256 JWT signed with this server\'s secret');
    }
    if (this.livesTooLong(payload.exp as number, typeof payload.iat === 'number' ? payload.iat : Math.floor(Date.now() / 1000))) {
      throw new AppError('auth.invalid_token', `Token lives longer than JWT_MAX_LIFETIME_DAYS (${this.rules.maxLifetimeDays} days): mint a shorter one`);
    }
    const { sub, role, permissions } = payload;
    if (typeof sub !== 'string' || !SUBJECT.test(sub)) {
      throw new AppError('auth.invalid_token', `Token claim "sub" must be 1 to ${MAX_SUBJECT_CHARS} characters with no control character or lone surrogate`);
    }
    if (!(ROLES as readonly unknown[]).includes(role)) {
      throw new AppError('auth.invalid_token', `Token claim "role" must be one of ${ROLES.join(', ')}`);
    }
    if (permissions !== undefined && !(Array.isArray(permissions) && permissions.every((p) => typeof p === 'string'))) {
      throw new AppError('auth.invalid_token', 'Token claim "permissions" must be an array of strings');
    }
    // Frozen: the one object is handed to every call that presents this token.
    const caller: Caller = Object.freeze({ sub, role: role as Role, permissions: Object.freeze([...((permissions) ?? [])]) });
    return { caller, exp: typeof payload.exp === 'number' ? payload.exp : undefined };
  }

  /** A token for these claims, expiring after `expiresIn` (jose's forms: '12h', '30m', seconds), with JWT_AUDIENCE / JWT_ISSUER when set. */
  async sign(claims: { sub: string; role: Role; permissions?: string[] }, expiresIn: string | number = '12h'): Promise<string> {
    const jwt = new SignJWT({ role: claims.role, ...(claims.permissions ? { permissions: claims.permissions } : {}) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime(expiresIn);
    if (this.rules.audience !== null) jwt.setAudience(this.rules.audience);
    if (this.rules.issuer !== null) jwt.setIssuer(this.rules.issuer);
    const token = await jwt.sign(this.key);
    const { exp, iat } = decodeJwt(token);
    // A token this server would refuse is not handed out.
    if (this.livesTooLong(exp ?? 0, iat ?? 0)) {
      throw new RangeError(`a token may live at most JWT_MAX_LIFETIME_DAYS (${this.rules.maxLifetimeDays} days)`);
    }
    return token;
  }

  /** JWT_MAX_LIFETIME_DAYS, the one rule verify() and sign() apply. */
  private livesTooLong(exp: number, issuedAt: number): boolean {
    return exp - issuedAt > this.rules.maxLifetimeDays * 86_400;
  }
}

/** Extracts the token from an `authorization: Bearer <token>` header value. */
export function bearerToken(header: unknown): string | null {
  const value: unknown = Array.isArray(header) ? (header as unknown[])[0] : header;
  if (typeof value !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value.trim());
  return match ? match[1] : null;
}

function claimMessage(claim: string): string {
  if (claim === 'exp') return 'Token has no "exp" claim: tokens must expire';
  if (claim === 'aud') return 'Token is not for this server\'s audience (its "aud" claim must be JWT_AUDIENCE)';
  if (claim === 'iss') return 'Token is not from this server\'s issuer (its "iss" claim must be JWT_ISSUER)';
  return `Token claim "${claim}" is missing or invalid`;
}
