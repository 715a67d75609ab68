import type { IncomingMessage, ServerResponse } from "node:http";
import { ExtensionError } from "@ameide-ext/contract";
import { isService, RULES } from "../domain/governance.js";
import type { Caller, Registry, RevisionView } from "../domain/registry.js";
import type { Env } from "../domain/types.js";
import type { Authenticator } from "../service/create-authenticator.js";
import { sourcesDiff } from "./line-diff.js";
import { page } from "./review-html.js";
import {
  pendingListPage,
  type Refusal,
  refusalBlock,
  signInPage,
  tenantPickerPage,
  versionHref,
  versionPage,
} from "./review-pages.js";
import {
  createReviewSessions,
  overHttps,
  parseCookies,
  type ReviewSession,
  type ReviewSessions,
  randomToken,
  reviewCookie,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  SIGN_IN_COOKIE,
  sameToken,
} from "./review-sessions.js";

/** The largest form body the review page reads, in bytes. */
export const MAX_FORM_BYTES = 64 * 1024;

/** Options of {@link createReviewHandler}. */
export interface ReviewHandlerOptions {
  /** The domain: every action calls the same functions the API calls. */
  registry: Registry;
  /** The registry's authenticator: sign-in takes the bearer tokens the API takes. */
  authenticate: Authenticator;
  /** The session table. Default: a new in-memory one. */
  sessions?: ReviewSessions | undefined;
}

/** Serves `/review…`; resolves false for any other path (the caller serves it). */
export type ReviewHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** The HTTP status of a coded error. */
export function httpStatusOf(code: string): number {
  switch (code) {
    case "invalid_argument":
      return 400;
    case "unauthenticated":
      return 401;
    case "permission_denied":
      return 403;
    case "not_found":
      return 404;
    case "failed_precondition":
    case "already_exists":
      return 409;
    case "resource_exhausted":
      return 429;
    default:
      return 500;
  }
}

/** An ExtensionError as the page shows it. */
function refusalOf(e: ExtensionError): Refusal {
  const details = (e.details ?? {}) as { rule?: unknown; fix?: unknown };
  return {
    code: e.code,
    rule: typeof details.rule === "string" ? details.rule : (e.reason ?? ""),
    message: e.message,
    fix: typeof details.fix === "string" ? details.fix : "",
  };
}

/** Sends an HTML page with the review page's security headers. */
function send(res: ServerResponse, status: number, html: string, cookies: string[] = []): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-security-policy":
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    ...(cookies.length > 0 ? { "set-cookie": cookies } : {}),
  });
  res.end(html);
}

/** Redirects (303) to `location`. */
function redirect(res: ServerResponse, location: string, cookies: string[] = []): void {
  res.writeHead(303, {
    location,
    "cache-control": "no-store",
    ...(cookies.length > 0 ? { "set-cookie": cookies } : {}),
  });
  res.end();
}

/** Reads an `application/x-www-form-urlencoded` body of at most {@link MAX_FORM_BYTES}. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim();
  if (type !== "application/x-www-form-urlencoded")
    throw new ExtensionError(
      "invalid_argument",
      `the form must be sent as application/x-www-form-urlencoded, not ${JSON.stringify(type)}`,
    );
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES)
      throw new ExtensionError("invalid_argument", `the form is over ${MAX_FORM_BYTES} bytes: send less`);
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** The CSRF refusal (403). */
function csrfRefused(): ExtensionError {
  return new ExtensionError(
    "permission_denied",
    "the form's CSRF token is missing or wrong: reload the page and send the form again",
    undefined,
    { rule: "csrf" },
  );
}

/** A version's route: /review/t/<tenant>/x/<extension>/v/<version>[/approve|/reject]. */
const VERSION_ROUTE = /^\/review\/t\/([^/]+)\/x\/([^/]+)\/v\/([^/]+)(?:\/(approve|reject))?$/;

/**
 * Creates the review page's handler: sign-in with the API's bearer tokens into an HttpOnly,
 * SameSite=Strict session cookie, a CSRF token on every form, the tenant's pending promotions, one
 * version's page (diff, compile, fixtures, gate) and Approve / Reject through the registry's domain.
 */
/** A service's credential (a runtime's) is no reviewer: the page shows every pending version's sources. */
function serviceRefusal(actor: string): Refusal {
  return {
    code: "permission_denied",
    rule: RULES.serviceScope,
    message: `${actor} is a service's credential: the review page is for people (and agents, read-only)`,
    fix: "sign in with your own token (user:<id>)",
  };
}

export function createReviewHandler(options: ReviewHandlerOptions): ReviewHandler {
  const { registry, authenticate } = options;
  const sessions = options.sessions ?? createReviewSessions();
  const ttlSeconds = Math.floor(SESSION_TTL_MS / 1000);

  const showSignIn = (req: IncomingMessage, res: ServerResponse, status: number, refusal?: Refusal) => {
    const csrf = randomToken();
    send(res, status, signInPage(csrf, refusal), [reviewCookie(SIGN_IN_COOKIE, csrf, 3600, overHttps(req))]);
  };

  const signIn = async (req: IncomingMessage, res: ServerResponse) => {
    const form = await readForm(req);
    if (!sameToken(form.get("csrf") ?? undefined, parseCookies(req.headers.cookie).get(SIGN_IN_COOKIE)))
      throw csrfRefused();
    let caller: Caller;
    const token = (form.get("token") ?? "").trim();
    try {
      caller = await authenticate(`Bearer ${token}`);
    } catch (cause) {
      const e = ExtensionError.from(cause);
      showSignIn(req, res, httpStatusOf(e.code), {
        ...refusalOf(e),
        fix: "paste a token the registry knows (the one you give the CLI as AMEIDE_TOKEN)",
      });
      return;
    }
    if (isService(caller.actor)) {
      showSignIn(req, res, 403, serviceRefusal(caller.actor));
      return;
    }
    const session = sessions.create(caller, token);
    redirect(res, "/review", [
      reviewCookie(SESSION_COOKIE, session.id, ttlSeconds, overHttps(req)),
      reviewCookie(SIGN_IN_COOKIE, "", 0, overHttps(req)),
    ]);
  };

  const versionData = async (
    session: ReviewSession,
    key: { tenantId: string; extensionId: string; version: string },
  ) => {
    const { extension, revision: view } = await registry.get(session.caller, key);
    const env = view.revision.pending?.env;
    const running = env ? (extension.deployments.find((d) => d.env === env)?.activeVersion ?? "") : "";
    let base: RevisionView | undefined;
    if (running && running !== key.version)
      base = (await registry.get(session.caller, { ...key, version: running })).revision;
    return {
      caller: session.caller,
      csrf: session.csrf,
      view,
      runningVersion: running,
      diff: sourcesDiff(sourceTexts(base), sourceTexts(view)),
    };
  };

  const serveVersion = async (
    req: IncomingMessage,
    res: ServerResponse,
    session: ReviewSession,
    m: RegExpExecArray,
    done: string | null,
  ) => {
    const key = {
      tenantId: pathPart(m[1]),
      extensionId: pathPart(m[2]),
      version: pathPart(m[3]),
    };
    const action = m[4];
    if (!action) {
      if (req.method !== "GET") throw methodNotAllowed(req.method);
      const data = await versionData(session, key);
      send(res, 200, versionPage({ ...data, notice: doneNotice(done, data.view) }));
      return;
    }
    if (req.method !== "POST") throw methodNotAllowed(req.method);
    const form = await readForm(req);
    if (!sameToken(form.get("csrf") ?? undefined, session.csrf)) throw csrfRefused();
    const env = (form.get("env") ?? "") as Env;
    const comment = form.get("comment") ?? "";
    try {
      if (action === "approve") await registry.approve(session.caller, { ...key, env, comment });
      else await registry.reject(session.caller, { ...key, env, comment });
    } catch (cause) {
      const e = ExtensionError.from(cause);
      if (e.code === "not_found" || (e.details as { rule?: string } | undefined)?.rule === "tenant_access")
        throw e;
      send(
        res,
        httpStatusOf(e.code),
        versionPage({ ...(await versionData(session, key)), refusal: refusalOf(e) }),
      );
      return;
    }
    redirect(res, `${versionHref(key.tenantId, key.extensionId, key.version)}?done=${action}`);
  };

  const serveList = async (url: URL, res: ServerResponse, session: ReviewSession) => {
    const { caller } = session;
    const tenantId =
      url.searchParams.get("tenant") ?? (caller.tenants.includes("*") ? "" : (caller.tenants[0] ?? ""));
    if (!tenantId) {
      send(res, 200, tenantPickerPage(caller, session.csrf));
      return;
    }
    const pending = await registry.listPending(caller, { tenantId });
    send(res, 200, pendingListPage(caller, session.csrf, tenantId, pending));
  };

  /**
   * The request's session, its token checked again (an expired JWT, a token no longer known, ends it) and its
   * caller refreshed (the tenants may have changed); undefined when there is none or it has ended.
   */
  const liveSession = async (req: IncomingMessage): Promise<ReviewSession | undefined> => {
    const session = sessions.get(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
    if (!session) return undefined;
    try {
      session.caller = await authenticate(`Bearer ${session.token}`);
      if (!isService(session.caller.actor)) return session;
    } catch {
      // an expired or unknown token ends the session, as a service's does
    }
    sessions.delete(session.id);
    return undefined;
  };
  const route = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const path = url.pathname;
    if (path === "/review/sign-in" && req.method === "POST") return signIn(req, res);
    const session = await liveSession(req);
    if (!session) {
      if (req.method !== "GET")
        throw new ExtensionError(
          "unauthenticated",
          "sign in first: your session is missing or expired",
          undefined,
          { rule: "unauthenticated" },
        );
      return showSignIn(req, res, path === "/review" || path === "/review/" ? 200 : 401);
    }
    if (path === "/review/sign-out" && req.method === "POST") {
      const form = await readForm(req);
      if (!sameToken(form.get("csrf") ?? undefined, session.csrf)) throw csrfRefused();
      sessions.delete(session.id);
      return redirect(res, "/review", [reviewCookie(SESSION_COOKIE, "", 0, overHttps(req))]);
    }
    if (path === "/review" || path === "/review/") {
      if (req.method !== "GET") throw methodNotAllowed(req.method);
      return serveList(url, res, session);
    }
    const m = VERSION_ROUTE.exec(path);
    if (m) return serveVersion(req, res, session, m, url.searchParams.get("done"));
    throw new ExtensionError("not_found", `${path} is not a page of the review UI: start at /review`);
  };

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://review.invalid");
    if (url.pathname !== "/review" && !url.pathname.startsWith("/review/")) return false;
    try {
      await route(req, res, url);
    } catch (cause) {
      const e = ExtensionError.from(cause);
      const session = sessions.get(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
      const body = `${errorPage(refusalOf(e), session)}`;
      if (!res.headersSent) send(res, httpStatusOf(e.code), body);
      else res.end();
    }
    return true;
  };
}

/** What the page says after an action (`?done=approve|reject`) has been done; undefined for none. */
export function doneNotice(done: string | null, view: RevisionView): string | undefined {
  const r = view.revision;
  if (done === "reject") return r.state === "rejected" ? "Rejected." : undefined;
  if (done !== "approve") return undefined;
  if (r.pending)
    return `Approved: ${r.pending.approvers.length} of ${r.pending.approvalsRequired} approvals for ${r.pending.env}.`;
  return r.state.startsWith("promoted_")
    ? `Approved: the version is promoted to ${r.state.slice("promoted_".length)}.`
    : undefined;
}

/** One decoded segment of a page's path; `invalid_argument` for a malformed %-escape. */
function pathPart(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? "");
  } catch {
    throw new ExtensionError(
      "invalid_argument",
      `the path segment ${JSON.stringify(segment)} has a malformed %-escape: follow a link from /review`,
    );
  }
}

/** The refusal of a method a page does not take. */
function methodNotAllowed(method: string | undefined): ExtensionError {
  return new ExtensionError(
    "invalid_argument",
    `${method ?? "?"} is not allowed here: pages are read with GET, forms sent with POST`,
  );
}

/** The error page. */
function errorPage(r: Refusal, session: ReviewSession | undefined): string {
  return page(
    "Refused",
    `${refusalBlock(r)}<p><a href="/review">Back to the pending promotions</a></p>`,
    session ? { actor: session.caller.actor, csrf: session.csrf } : undefined,
  );
}

/** A version's sources as path → UTF-8 text (none for no version). */
function sourceTexts(view: RevisionView | undefined): Map<string, string> {
  return new Map(
    (view?.revision.sources ?? []).map((f) => [
      f.path,
      Buffer.from(f.contentBase64, "base64").toString("utf8"),
    ]),
  );
}
