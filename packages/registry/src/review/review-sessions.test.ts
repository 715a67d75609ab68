import { describe, expect, it } from "vitest";
import {
  createReviewSessions,
  MAX_SESSIONS,
  parseCookies,
  reviewCookie,
  sameToken,
} from "./review-sessions.js";

const ann = { actor: "user:ann", tenants: ["acme"] };

describe("createReviewSessions()", () => {
  it("gives opaque random ids and CSRF tokens, and forgets a session when it expires", () => {
    let now = 1_000;
    const sessions = createReviewSessions(() => now, 60_000);
    const a = sessions.create(ann);
    const b = sessions.create(ann);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.csrf).not.toBe(a.id);
    expect(sessions.get(a.id)?.caller).toEqual(ann);
    now += 60_000;
    expect(sessions.get(a.id)).toBeUndefined();
    expect(sessions.get(undefined)).toBeUndefined();
    expect(sessions.get("forged")).toBeUndefined();
  });

  it("keeps at most MAX_SESSIONS, dropping the oldest", () => {
    const sessions = createReviewSessions();
    const first = sessions.create(ann);
    for (let i = 0; i < MAX_SESSIONS; i++) sessions.create(ann);
    expect(sessions.get(first.id)).toBeUndefined();
  });
});

describe("cookies and tokens", () => {
  it("sets HttpOnly, SameSite=Strict, Path=/review cookies and reads the first of a name", () => {
    expect(reviewCookie("s", "v", 10)).toBe("s=v; HttpOnly; SameSite=Strict; Path=/review; Max-Age=10");
    expect(parseCookies("a=1; s=2; s=3").get("s")).toBe("2");
  });

  it("compares tokens in full, refusing a missing one", () => {
    expect(sameToken("abc", "abc")).toBe(true);
    expect(sameToken("abc", "abd")).toBe(false);
    expect(sameToken("ab", "abc")).toBe(false);
    expect(sameToken(undefined, "abc")).toBe(false);
    expect(sameToken("", "")).toBe(false);
  });
});
