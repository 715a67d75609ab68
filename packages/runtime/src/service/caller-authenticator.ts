import { readFile } from "node:fs/promises";
import { ExtensionError } from "@ameide-ext/contract";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import type { AuthSettings, TrustedIssuer } from "./auth-settings.js";
import { createVerifiedTokenCache } from "./verified-token-cache.js";

/** Header carrying the end user's own token, next to the caller's `authorization: Bearer …`. */
export const USER_TOKEN_HEADER = "x-ameide-user-token";

/** Largest token accepted, in characters: verification work is bounded before any key is touched. */
export const MAX_TOKEN_CHARS = 8192;

/** Who called: a service (or the socket peer) and the tenants it may act for. */
export interface Principal {
  /** The token's `sub`, or the configured socket principal's name. */
  readonly name: string;
  /** The tenants it may act for; "*" is every tenant (a platform service). */
  readonly tenants: "*" | ReadonlySet<string>;
}

/** A caller, proven: the principal, and the end user when a user token came along. */
export interface CallerIdentity {
  readonly principal: Principal;
  /** From the end user's verified token: `sub` and its tenant claim. */
  readonly user: { readonly userId: string; readonly tenantId: string } | undefined;
}

/** What one request presents. */
export interface CallerCredentials {
  /** The `authorization` header, when sent. */
  authorization: string | null;
  /** The {@link USER_TOKEN_HEADER} header, when sent. */
  userToken: string | null;
  /** True when the request came in on the runtime's Unix domain socket. */
  viaSocket: boolean;
}

/** Proves who calls InvokeExtension. */
export interface CallerAuthenticator {
  /** The mode in force (`insecure_local` trusts everyone). */
  readonly mode: "jwt" | "insecure_local";
  /** The caller's identity, or `unauthenticated/caller_unauthenticated`. */
  authenticate(credentials: CallerCredentials): Promise<CallerIdentity>;
}

const EVERY_TENANT: Principal = Object.freeze({ name: "insecure-local", tenants: "*" });

function unauthenticated(message: string): ExtensionError {
  return new ExtensionError("unauthenticated", message, "caller_unauthenticated");
}

async function keysOf(issuer: TrustedIssuer): Promise<JWTVerifyGetKey> {
  if ("uri" in issuer.jwks) return createRemoteJWKSet(new URL(issuer.jwks.uri));
  let text: string;
  try {
    text = await readFile(issuer.jwks.file, "utf8");
    return createLocalJWKSet(JSON.parse(text));
  } catch (cause) {
    throw new ExtensionError(
      "invalid_argument",
      `jwks_file ${issuer.jwks.file} of issuer ${JSON.stringify(issuer.issuer)} cannot be read as a JWKS: ${(cause as Error).message}`,
      "invalid_manifest",
      { section: "runtime.auth" },
    );
  }
}

/** The tenants a token's claim lists: an array of tenant ids, "*" among them meaning every tenant. */
function tenantsOf(claim: unknown): Principal["tenants"] {
  const list = typeof claim === "string" ? [claim] : Array.isArray(claim) ? claim : [];
  const tenants = list.filter((t): t is string => typeof t === "string");
  return tenants.includes("*") ? "*" : new Set(tenants);
}

/**
 * Creates the authenticator for `settings` (throws `failed_precondition/invalid_manifest`
 * when auth is `unset`: a network runtime never trusts everyone by default).
 * Tokens are JWTs verified with jose: the issuer is picked by the token's
 * `iss`, then signature (algorithms pinned per issuer), `iss`, `aud`, `exp`
 * and `nbf` are checked against that issuer's keys. JWKS files are read once, here.
 * A token that verified is trusted again without a signature check until its
 * `exp`, for at most a minute (verified-token-cache.ts).
 */
export async function createCallerAuthenticator(settings: AuthSettings): Promise<CallerAuthenticator> {
  if (settings.mode === "unset")
    throw new ExtensionError(
      "failed_precondition",
      "runtime.auth is not configured: configure issuers (or a socket_peer), or set runtime.auth.mode to insecure_local on a developer's machine",
      "invalid_manifest",
      { section: "runtime.auth" },
    );
  if (settings.mode === "insecure_local")
    return {
      mode: "insecure_local",
      authenticate: async () => ({ principal: EVERY_TENANT, user: undefined }),
    };
  const issuers = new Map<string, { issuer: TrustedIssuer; keys: JWTVerifyGetKey }>();
  for (const issuer of settings.issuers) issuers.set(issuer.issuer, { issuer, keys: await keysOf(issuer) });

  const verified = createVerifiedTokenCache();
  // Verifications under way, by what and token: a burst of requests with one token, which all miss the
  // cache before the first check ends, waits for that one check instead of making its own.
  const checking = new Map<string, Promise<JWTPayload>>();
  const verify = (token: string, what: string): Promise<JWTPayload> => {
    if (token.length > MAX_TOKEN_CHARS)
      return Promise.reject(
        unauthenticated(`the ${what} is ${token.length} characters, the limit is ${MAX_TOKEN_CHARS}`),
      );
    const known = verified.get(token);
    if (known) return Promise.resolve(known);
    const key = `${what}\n${token}`;
    let check = checking.get(key);
    if (!check) {
      check = verifyOnce(token, what).finally(() => checking.delete(key));
      checking.set(key, check);
    }
    return check;
  };
  const verifyOnce = async (token: string, what: string): Promise<JWTPayload> => {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss; // only to pick the issuer's keys; nothing is trusted before jwtVerify
    } catch {
      throw unauthenticated(`the ${what} is not a JWT`);
    }
    const trusted = typeof iss === "string" ? issuers.get(iss) : undefined;
    if (!trusted) throw unauthenticated(`the ${what}'s issuer ${JSON.stringify(iss)} is not trusted`);
    try {
      const { payload } = await jwtVerify(token, trusted.keys, {
        issuer: trusted.issuer.issuer,
        audience: trusted.issuer.audience,
        algorithms: [...trusted.issuer.algorithms],
        requiredClaims: ["exp", "sub"],
        clockTolerance: 5,
      });
      verified.set(token, payload);
      return payload;
    } catch (cause) {
      throw unauthenticated(`the ${what} does not verify: ${(cause as Error).message}`);
    }
  };

  const userOf = async (token: string | null): Promise<CallerIdentity["user"]> => {
    if (token === null || token === "") return undefined;
    const claims = await verify(token, "user token");
    const tenantId = claims[settings.userTenantClaim];
    if (typeof tenantId !== "string" || tenantId === "")
      throw unauthenticated(`the user token has no ${JSON.stringify(settings.userTenantClaim)} claim`);
    return { userId: claims.sub as string, tenantId };
  };

  return {
    mode: "jwt",
    async authenticate({ authorization, userToken, viaSocket }) {
      const bearer = /^Bearer +(\S+)$/i.exec(authorization ?? "")?.[1];
      let principal: Principal;
      if (bearer !== undefined) {
        const claims = await verify(bearer, "bearer token");
        principal = { name: claims.sub as string, tenants: tenantsOf(claims[settings.tenantsClaim]) };
      } else if (viaSocket && settings.socketPeer) {
        const peer = settings.socketPeer;
        principal = { name: peer.principal, tenants: tenantsOf(peer.tenants) };
      } else if (authorization !== null && authorization !== "") {
        throw unauthenticated("the authorization header is not `Bearer <token>`");
      } else {
        throw unauthenticated("no caller token: send `authorization: Bearer <token>`");
      }
      return { principal, user: await userOf(userToken) };
    },
  };
}
