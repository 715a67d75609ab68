import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Caller } from "../domain/registry.js";

/** The review page's session cookie. */
export const SESSION_COOKIE = "ameide_review";
/** The cookie carrying the sign-in form's CSRF token (before there is a session). */
export const SIGN_IN_COOKIE = "ameide_review_signin";
/** How long a session lasts, in milliseconds (8 hours). */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** The most sessions kept; the oldest goes first. */
export const MAX_SESSIONS = 10_000;
/** The most sessions one caller keeps; its own oldest goes first, so no caller can push others out. */
export const MAX_SESSIONS_PER_CALLER = 32;

/** One signed-in reviewer. */
export interface ReviewSession {
  /** The opaque id the cookie carries. */
  id: string;
  /** Who signed in, as the registry's authenticator said (at sign-in, then at each request). */
  caller: Caller;
  /**
   * The bearer token signed in with, kept in the server's memory only (the cookie carries the id): each
   * request checks it again, so the session ends when the token expires or stops being accepted.
   */
  token: string;
  /** The CSRF token every form of this session carries. */
  csrf: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** The review page's sessions: opaque random ids → caller, in memory, expiring. */
export interface ReviewSessions {
  /** Starts a session for `caller`, who signed in with `token`. */
  create(caller: Caller, token?: string): ReviewSession;
  /** The live session `id` names, or undefined (unknown or expired). */
  get(id: string | undefined): ReviewSession | undefined;
  /** Ends a session. */
  delete(id: string): void;
}

/** A fresh opaque token: 32 random bytes, base64url. */
export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Whether two tokens are equal, in constant time; false when either is missing. */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Creates the in-memory session table. */
export function createReviewSessions(now: () => number = Date.now, ttlMs = SESSION_TTL_MS): ReviewSessions {
  const sessions = new Map<string, ReviewSession>();
  return {
    create(caller, token = "") {
      const own = [...sessions.values()].filter((x) => x.caller.actor === caller.actor);
      for (const old of own.slice(0, Math.max(0, own.length - MAX_SESSIONS_PER_CALLER + 1)))
        sessions.delete(old.id);
      if (sessions.size >= MAX_SESSIONS) {
        const oldest = sessions.keys().next().value;
        if (oldest !== undefined) sessions.delete(oldest);
      }
      const session = { id: randomToken(), caller, token, csrf: randomToken(), expiresAt: now() + ttlMs };
      sessions.set(session.id, session);
      return session;
    },
    get(id) {
      if (!id) return undefined;
      const session = sessions.get(id);
      if (!session) return undefined;
      if (session.expiresAt <= now()) {
        sessions.delete(id);
        return undefined;
      }
      return session;
    },
    delete(id) {
      sessions.delete(id);
    },
  };
}

/** The cookies of a `Cookie` header, by name (the first of each name). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * A `Set-Cookie` value for the review page: HttpOnly, SameSite=Strict, Path=/review; and Secure when
 * the page is served over HTTPS, so a browser never sends the session over plain HTTP.
 */
export function reviewCookie(name: string, value: string, maxAgeSeconds: number, secure = false): string {
  return `${name}=${value}; HttpOnly; SameSite=Strict; Path=/review; Max-Age=${maxAgeSeconds}${secure ? "; Secure" : ""}`;
}

/**
 * Whether the request reached us over HTTPS: TLS on this socket, or an ingress that terminated it and
 * says so (`X-Forwarded-Proto: https`). A client faking the header only makes its own cookies stricter.
 */
export function overHttps(req: IncomingMessage): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted === true) return true;
  const proto = req.headers["x-forwarded-proto"];
  return (Array.isArray(proto) ? proto[0] : proto)?.split(",")[0]?.trim().toLowerCase() === "https";
}
