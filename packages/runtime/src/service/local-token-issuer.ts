import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { CatalogFileAuth } from "../catalog/catalog-schema.js";

/** What a token from {@link LocalTokenIssuer.mint} says. */
export interface LocalTokenClaims {
  /** `sub`: the service (or, for a user token, the user). */
  subject: string;
  /** The tenants a service may act for (`ameide_tenants`); ["*"] for a platform service. */
  tenants?: readonly string[] | undefined;
  /** The user's tenant (`tenant`), for an end user's token. */
  tenant?: string | undefined;
  /** Lifetime in seconds. Default 3,600. */
  ttlSeconds?: number | undefined;
  /** Other claims, or overrides (`iss`, `aud`, `exp`…), for tests of refusals. */
  extra?: Record<string, unknown> | undefined;
}

/** A token issuer of its own, for the dev stack, benches and tests: its JWKS is a file the runtime reads. */
export interface LocalTokenIssuer {
  /** The `runtime.auth` section that trusts this issuer (and nothing else). */
  readonly auth: CatalogFileAuth;
  /** The JWKS file's path. */
  readonly jwksFile: string;
  /** Signs a token the runtime accepts (ES256). */
  mint(claims: LocalTokenClaims): Promise<string>;
}

/** Options of {@link createLocalTokenIssuer}. */
export interface LocalTokenIssuerOptions {
  /** Folder the JWKS file (`caller-jwks.json`, mode 0600) is written to. */
  dir: string;
  /** `iss`. Default "ameide-ext-local". */
  issuer?: string | undefined;
  /** `aud`. Default "ameide-ext-runtime". */
  audience?: string | undefined;
  /** Added to the returned `auth` section: the Unix-socket peer principal. */
  socketPeer?: { principal: string; tenants: string[] } | undefined;
}

/**
 * Creates a token issuer with a fresh P-256 key, never written to disk: only
 * its public JWKS is, for the runtime's `runtime.auth.issuers[].jwks_file`.
 * For a developer's machine, benches and tests; production uses the
 * platform's identity provider and its `jwks_uri`.
 */
export async function createLocalTokenIssuer(options: LocalTokenIssuerOptions): Promise<LocalTokenIssuer> {
  const issuer = options.issuer ?? "ameide-ext-local";
  const audience = options.audience ?? "ameide-ext-runtime";
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  const jwksFile = join(options.dir, "caller-jwks.json");
  await writeNewFile(jwksFile, `${JSON.stringify({ keys: [jwk] })}\n`);
  return {
    auth: {
      mode: "jwt",
      issuers: [{ issuer, audience, jwks_file: jwksFile, algorithms: ["ES256"] }],
      ...(options.socketPeer ? { socket_peer: options.socketPeer } : {}),
    },
    jwksFile,
    mint(claims) {
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        iss: issuer,
        aud: audience,
        sub: claims.subject,
        iat: now,
        exp: now + (claims.ttlSeconds ?? 3_600),
        jti: randomUUID(),
        ...(claims.tenants !== undefined ? { ameide_tenants: [...claims.tenants] } : {}),
        ...(claims.tenant !== undefined ? { tenant: claims.tenant } : {}),
        ...claims.extra,
      };
      return new SignJWT(payload).setProtectedHeader({ alg: "ES256", kid }).sign(privateKey);
    },
  };
}

/**
 * Writes `text` to `file` (mode 0600) as a new file beside it (a random name, O_EXCL, never through a link),
 * renamed over `file`: a link planted at `file` or at a temp name in a shared folder is replaced, not
 * written through.
 */
async function writeNewFile(file: string, text: string): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${randomUUID()}.tmp`);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const handle = await open(temp, flags, 0o600);
  try {
    await handle.writeFile(text);
    await handle.chmod(0o600);
    await handle.close();
    await rename(temp, file);
  } catch (cause) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw cause;
  }
}
