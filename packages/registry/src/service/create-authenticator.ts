import { timingSafeEqual } from "node:crypto";
import { ExtensionError } from "@ameide-ext/contract";
import { jwtVerify } from "jose";
import type { Caller } from "../domain/registry.js";

/**
 * An identity the registry accepts: `user:<id>`, `agent:<id>`, or `service:<id>` (a platform service such as
 * a runtime, which may call RollbackOnSlo and nothing else).
 */
export const IDENTITY_PATTERN = /^(user|agent|service):[A-Za-z0-9._@-]{1,128}$/;

/** One static token of the config file. */
export interface StaticToken {
  /** The bearer token. At least 16 characters. */
  token: string;
  /** Who it is: `user:<id>` or `agent:<id>`. */
  identity: string;
  /** Tenants it may act for; `["*"]` for all. */
  tenants: string[];
}

/** Options of {@link createAuthenticator}: static tokens, HS256 JWTs, or both. */
export interface AuthenticatorOptions {
  /** Static tokens (small installs, `ameide-ext dev`). */
  tokens?: StaticToken[] | undefined;
  /**
   * HS256 JWTs signed with `secret` (at least 32 bytes): `sub` is the
   * identity, the `tenants` claim (array of strings) the tenants; `exp` is
   * required. `issuer` and `audience`, when set, must match.
   */
  jwt?: { secret: string; issuer?: string | undefined; audience?: string | undefined } | undefined;
}

/** Turns a request's `Authorization` header into a caller, or refuses it. */
export type Authenticator = (authorization: string | null) => Promise<Caller>;

/** The refusal of an unauthenticated call: `unauthenticated` (Connect's `unauthenticated` on the wire). */
export function unauthenticated(message: string): ExtensionError {
  return new ExtensionError("unauthenticated", message, undefined, { rule: "unauthenticated" });
}

/**
 * Builds the registry's authenticator, checking its options once. The
 * identity always comes from the credentials, never from a request body, so
 * an agent cannot act in a human's name.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const tokens = options.tokens ?? [];
  for (const t of tokens) {
    if (typeof t.token !== "string" || t.token.length < 16)
      throw new ExtensionError(
        "invalid_argument",
        `the token of ${t.identity} is ${t.token?.length ?? 0} characters, at least 16 are needed`,
      );
    if (!IDENTITY_PATTERN.test(t.identity))
      throw new ExtensionError(
        "invalid_argument",
        `identity ${JSON.stringify(t.identity)} must be user:<id>, agent:<id> or service:<id>`,
      );
    if (!Array.isArray(t.tenants) || t.tenants.length === 0)
      throw new ExtensionError("invalid_argument", `${t.identity} names no tenants (use ["*"] for all)`);
  }
  const secret = options.jwt ? new TextEncoder().encode(options.jwt.secret) : undefined;
  if (secret && secret.byteLength < 32)
    throw new ExtensionError(
      "invalid_argument",
      `the JWT secret is ${secret.byteLength} bytes, at least 32 are needed`,
    );
  if (tokens.length === 0 && !secret)
    throw new ExtensionError(
      "invalid_argument",
      "auth needs static tokens or a JWT secret: an open registry is not allowed",
    );
  const known = tokens.map((t) => ({ ...t, bytes: Buffer.from(t.token) }));
  return async (authorization) => {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    if (!m?.[1])
      throw unauthenticated("no bearer token: send Authorization: Bearer <token> (AMEIDE_TOKEN for the CLI)");
    const presented = Buffer.from(m[1]);
    const match = known.find(
      (t) => t.bytes.length === presented.length && timingSafeEqual(t.bytes, presented),
    );
    if (match) return { actor: match.identity, tenants: match.tenants };
    if (secret && m[1].split(".").length === 3) {
      try {
        const { payload } = await jwtVerify(m[1], secret, {
          algorithms: ["HS256"],
          requiredClaims: ["exp", "sub"],
          ...(options.jwt?.issuer ? { issuer: options.jwt.issuer } : {}),
          ...(options.jwt?.audience ? { audience: options.jwt.audience } : {}),
        });
        const tenants = payload.tenants;
        if (typeof payload.sub !== "string" || !IDENTITY_PATTERN.test(payload.sub))
          throw unauthenticated("the token's sub is not user:<id>, agent:<id> or service:<id>");
        if (!Array.isArray(tenants) || !tenants.every((t) => typeof t === "string"))
          throw unauthenticated("the token has no tenants claim (an array of tenant ids)");
        return { actor: payload.sub, tenants: tenants as string[] };
      } catch (cause) {
        if (cause instanceof ExtensionError) throw cause;
        throw unauthenticated(`the token is not valid: ${(cause as Error).message}`);
      }
    }
    throw unauthenticated("the bearer token is not known to this registry");
  };
}

/**
 * The identities of the static tokens that act for `tenantId` (naming it or "*"), once each: the
 * humans among them are who the registry can name as reviewers of a pending promotion.
 */
export function tokenIdentitiesFor(tokens: readonly StaticToken[] | undefined, tenantId: string): string[] {
  const acting = (tokens ?? []).filter((t) => t.tenants.includes("*") || t.tenants.includes(tenantId));
  return [...new Set(acting.map((t) => t.identity))];
}
