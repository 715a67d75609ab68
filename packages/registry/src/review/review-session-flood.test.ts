// Red team (#14): the session table keeps MAX_SESSIONS and drops the oldest, so one caller with any valid
// token (an agent's) signing in MAX_SESSIONS times signed every reviewer out. Each caller now has at most
// MAX_SESSIONS_PER_CALLER; a flood drops only the flooder's own.
import { describe, expect, it } from "vitest";
import { createReviewSessions, MAX_SESSIONS, MAX_SESSIONS_PER_CALLER } from "./review-sessions.js";

describe("a caller signing in over and over", () => {
  it("drops its own oldest sessions, never another caller's", () => {
    const sessions = createReviewSessions();
    const ann = sessions.create({ actor: "user:ann", tenants: ["acme"] }, "t1");
    const bot = { actor: "agent:flood", tenants: ["acme"] };
    const firstOfBot = sessions.create(bot, "t2");
    for (let i = 0; i < MAX_SESSIONS; i++) sessions.create(bot, "t2");
    expect(sessions.get(ann.id)?.caller.actor).toBe("user:ann");
    expect(sessions.get(firstOfBot.id)).toBeUndefined();
    expect(MAX_SESSIONS_PER_CALLER).toBeLessThan(MAX_SESSIONS);
  });
});
