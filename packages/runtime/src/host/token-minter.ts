import { randomUUID } from "node:crypto";
import { ExtensionError } from "@ameide-ext/contract";
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importPKCS8,
  type JWK,
  SignJWT,
} from "jose";

/** The claims of a host-call token, besides the registered ones (iss, aud, sub, iat, exp, jti). */
export interface HostCallClaims {
  tenant_id: string;
  org_id: string;
  user_id: string;
  actor_type: string;
  /** What the token allows: exactly the one method called, as "<service>/<method>". */
  scopes: string[];
  extension_id: string;
  /** The extension version that runs (the resolved one, never "latest"). */
  extension_version: string;
  correlation_id: string;
  session_id: string;
}

/** Options of {@link createTokenMinter}. */
export interface TokenMinterOptions {
  /**
   * The signing key: a PKCS#8 PEM of an Ed25519 key (alg EdDSA) or a P-256 key
   * (alg ES256). Unset: an Ed25519 key is generated for this process, which
   * suits one replica or tests; replicas that share services should share a key.
   */
  privateKeyPem?: string | undefined;
  /** Token lifetime in seconds. Default 30; bounds 1..60 (spec: short-lived). */
  ttlSeconds?: number | undefined;
  /** The `iss` claim. Default "ameide-ext-runtime". */
  issuer?: string | undefined;
  /** The clock, in milliseconds since the epoch. Default Date.now. */
  now?: (() => number) | undefined;
}

/** Mints the short-lived tokens the runtime sends with host calls. */
export interface TokenMinter {
  /** Signs a token for one host call; `audience` is the called service. */
  mint(claims: HostCallClaims, audience: string): Promise<string>;
  /** The public key set services verify tokens with (also served at `/.well-known/jwks.json`). */
  readonly jwks: { keys: JWK[] };
  /** The `iss` claim tokens carry. */
  readonly issuer: string;
  /** Token lifetime in seconds. */
  readonly ttlSeconds: number;
}

/** Largest token lifetime: spec 479 §6.3 asks for short-lived tokens. */
export const MAX_TOKEN_TTL_SECONDS = 60;

/** Creates a {@link TokenMinter}. Options are checked here; a key that does not import is `invalid_argument`. */
export async function createTokenMinter(options: TokenMinterOptions = {}): Promise<TokenMinter> {
  const ttlSeconds = options.ttlSeconds ?? 30;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TOKEN_TTL_SECONDS)
    throw new ExtensionError(
      "invalid_argument",
      `token ttl is ${ttlSeconds} s, it must be an integer from 1 to ${MAX_TOKEN_TTL_SECONDS}`,
      "invalid_limits",
    );
  const issuer = options.issuer ?? "ameide-ext-runtime";
  const now = options.now ?? Date.now;
  let alg: "EdDSA" | "ES256";
  let privateKey: CryptoKey;
  let publicJwk: JWK;
  if (options.privateKeyPem === undefined) {
    alg = "EdDSA";
    const pair = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    privateKey = pair.privateKey;
    publicJwk = await exportJWK(pair.publicKey);
  } else {
    const pem = options.privateKeyPem;
    let imported: CryptoKey | undefined;
    alg = "EdDSA";
    for (const candidate of ["EdDSA", "ES256"] as const) {
      try {
        imported = await importPKCS8(pem, candidate, { extractable: true });
        alg = candidate;
        break;
      } catch {
        // try the next algorithm
      }
    }
    if (!imported)
      throw new ExtensionError(
        "invalid_argument",
        "the signing key is not a PKCS#8 PEM of an Ed25519 or P-256 private key",
        "invalid_manifest",
      );
    privateKey = imported;
    const jwk = await exportJWK(imported);
    // The public half: drop the private scalar.
    const { d: _d, ...pub } = jwk;
    publicJwk = pub;
  }
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwks = { keys: [{ ...publicJwk, kid, alg, use: "sig" }] };

  return {
    jwks,
    issuer,
    ttlSeconds,
    mint(claims, audience) {
      const iat = Math.floor(now() / 1000);
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg, kid, typ: "JWT" })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(claims.user_id)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlSeconds)
        .setJti(randomUUID())
        .sign(privateKey);
    },
  };
}
