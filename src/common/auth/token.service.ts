import { Inject, Injectable } from '@nestjs/common';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../errors/app-error.js';
import { ROLES, type Caller, type Role } from './caller.js';

export const JWT_SECRET = Symbol('JWT_SECRET');

/** Issues and verifies the HS256 bearer tokens every transport accepts. */
@Injectable()
export class TokenService {
  private readonly key: Uint8Array;

  constructor(@Inject(JWT_SECRET) secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async verify(token: string): Promise<Caller> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], requiredClaims: ['sub'] }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new AppError('auth.token_expired', 'Token has expired');
      throw new AppError('auth.invalid_token', 'Token is not a valid HS256 JWT signed with this server\'s secret');
    }
    const { sub, role, permissions } = payload;
    if (typeof sub !== 'string' || sub === '') throw new AppError('auth.invalid_token', 'Token claim "sub" must be a non-empty string');
    if (!(ROLES as readonly unknown[]).includes(role)) {
      throw new AppError('auth.invalid_token', `Token claim "role" must be one of ${ROLES.join(', ')}`);
    }
    if (permissions !== undefined && !(Array.isArray(permissions) && permissions.every((p) => typeof p === 'string'))) {
      throw new AppError('auth.invalid_token', 'Token claim "permissions" must be an array of strings');
    }
    return { sub, role: role as Role, permissions: (permissions) ?? [] };
  }

  async sign(claims: { sub: string; role: Role; permissions?: string[] }, expiresIn: string | number = '12h'): Promise<string> {
    const jwt = new SignJWT({ role: claims.role, ...(claims.permissions ? { permissions: claims.permissions } : {}) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuedAt();
    if (expiresIn !== 0) jwt.setExpirationTime(expiresIn);
    return jwt.sign(this.key);
  }
}

/** Extracts the token from an `authorization: Bearer <token>` header value. */
export function bearerToken(header: unknown): string | null {
  const value: unknown = Array.isArray(header) ? (header as unknown[])[0] : header;
  if (typeof value !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value.trim());
  return match ? match[1] : null;
}
