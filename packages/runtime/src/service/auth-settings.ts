import { ExtensionError } from "@ameide-ext/contract";
import type { CatalogFileAuth } from "../catalog/catalog-schema.js";

/** Algorithms accepted when an issuer names none: asymmetric only, so a leaked verification key signs nothing. */
export const DEFAULT_JWT_ALGORITHMS: readonly string[] = ["RS256", "ES256", "EdDSA"];

/** One trusted issuer of caller and end-user tokens. */
export interface TrustedIssuer {
  /** The `iss` its tokens carry. */
  issuer: string;
  /** The `aud` tokens for this runtime carry. */
  audience: string;
  /** Where its public keys are: a JWKS URL, or a JWKS file on disk. */
  jwks: { uri: string } | { file: string };
  /** Signature algorithms accepted (pinned: never taken from the token). */
  algorithms: readonly string[];
}

/** A principal configured rather than proven by a token (the Unix-socket peer). */
export interface ConfiguredPrincipal {
  /** The principal's name, in logs. */
  principal: string;
  /** The tenants it may act for; "*" is every tenant. */
  tenants: readonly string[];
}

/** Who may call InvokeExtension over the network, with every default filled in. */
export interface AuthSettings {
  /**
   * `jwt`: callers prove who they are with a bearer token (or the socket peer).
   * `insecure_local`: every caller acts for every tenant, for a developer's machine only.
   * `unset`: nothing configured; the server refuses to start rather than trust everyone.
   */
  mode: "jwt" | "insecure_local" | "unset";
  issuers: readonly TrustedIssuer[];
  /** Claim of a caller's token listing its tenants. Default "ameide_tenants". */
  tenantsClaim: string;
  /** Claim of an end user's token naming the user's tenant. Default "tenant". */
  userTenantClaim: string;
  /** Callers on the Unix domain socket without a token act as this principal. */
  socketPeer: ConfiguredPrincipal | undefined;
}

function refused(message: string): ExtensionError {
  return new ExtensionError("invalid_argument", message, "invalid_manifest", { section: "runtime.auth" });
}

/**
 * Resolves the catalog's `runtime.auth` section. No section at all is mode
 * `unset` (the server will not start); `AMEIDE_RUNTIME_AUTH_MODE` in the
 * environment wins over the file's `mode`. Each issuer needs exactly one of
 * `jwks_uri` and `jwks_file`, and `jwt` mode needs an issuer or a socket peer.
 */
export function resolveAuthSettings(
  file: Readonly<CatalogFileAuth> | undefined,
  envMode: string | undefined,
): AuthSettings {
  if (envMode !== undefined && envMode !== "jwt" && envMode !== "insecure_local")
    throw refused(`AMEIDE_RUNTIME_AUTH_MODE is ${JSON.stringify(envMode)}, it must be jwt or insecure_local`);
  const issuers = (file?.issuers ?? []).map((i): TrustedIssuer => {
    if ((i.jwks_uri === undefined) === (i.jwks_file === undefined))
      throw refused(`issuer ${JSON.stringify(i.issuer)} needs exactly one of jwks_uri and jwks_file`);
    return {
      issuer: i.issuer,
      audience: i.audience,
      jwks: i.jwks_uri !== undefined ? { uri: i.jwks_uri } : { file: i.jwks_file as string },
      algorithms: i.algorithms ?? DEFAULT_JWT_ALGORITHMS,
    };
  });
  const socketPeer = file?.socket_peer
    ? { principal: file.socket_peer.principal, tenants: [...file.socket_peer.tenants] }
    : undefined;
  const mode = envMode ?? file?.mode ?? (file === undefined ? "unset" : "jwt");
  if (mode === "jwt" && issuers.length === 0 && socketPeer === undefined)
    throw refused("runtime.auth (mode jwt) needs at least one issuer or a socket_peer");
  return {
    mode: mode as AuthSettings["mode"],
    issuers,
    tenantsClaim: file?.tenants_claim ?? "ameide_tenants",
    userTenantClaim: file?.user_tenant_claim ?? "tenant",
    socketPeer,
  };
}
