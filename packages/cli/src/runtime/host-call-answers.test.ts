import { describe, expect, it } from "vitest";
import { HOST_CALL_BODY_LIMIT, startHostCallAnswers } from "./host-call-answers.js";

const CRM = "ameide.crm.v1.AccountService";

async function post(url: string, body: string, path = `/${CRM}/GetChurnRisk`) {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "connect-protocol-version": "1" },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("startHostCallAnswers()", () => {
  const answers = [
    { service: CRM, method: "GetChurnRisk", request: { accountId: "A-19" }, response: { churnRisk: 0.8 } },
    {
      service: CRM,
      method: "GetChurnRisk",
      request: { accountId: "A-404" },
      error: { code: "not_found" as const, message: "no account A-404" },
    },
    { service: "ameide.erp.v1.StockService", method: "Get", response: { qty: 3 } },
  ];

  it("answers a Connect unary JSON call from the first matching answer, every time", async () => {
    const server = await startHostCallAnswers({ answers, file: "calls.json" });
    try {
      expect(server.services).toEqual([CRM, "ameide.erp.v1.StockService"]);
      for (let i = 0; i < 2; i++)
        expect(await post(server.url, '{"accountId":"A-19"}')).toEqual({
          status: 200,
          body: { churnRisk: 0.8 },
        });
      expect(await post(server.url, "{}", "/ameide.erp.v1.StockService/Get")).toEqual({
        status: 200,
        body: { qty: 3 },
      });
    } finally {
      await server.close();
    }
  });

  it("gives an error answer as a Connect error with its code", async () => {
    const server = await startHostCallAnswers({ answers, file: "calls.json" });
    try {
      expect(await post(server.url, '{"accountId":"A-404"}')).toEqual({
        status: 404,
        body: { code: "not_found", message: "no account A-404" },
      });
    } finally {
      await server.close();
    }
  });

  it("refuses a call no answer matches with unavailable, naming the call, the file and the fix", async () => {
    const unanswered: string[] = [];
    const server = await startHostCallAnswers({
      answers,
      file: "calls.json",
      onUnanswered: (m) => unanswered.push(m),
    });
    try {
      const r = await post(server.url, '{"accountId":"A-7"}');
      expect(r.status).toBe(503);
      expect(r.body.code).toBe("unavailable");
      expect(r.body.message).toContain(`${CRM}.GetChurnRisk`);
      expect(r.body.message).toContain('{"accountId":"A-7"}');
      expect(r.body.message).toContain("calls.json");
      expect(unanswered).toEqual([r.body.message]);
    } finally {
      await server.close();
    }
  });

  it("answers hostile requests with a coded error and keeps serving", async () => {
    const server = await startHostCallAnswers({ answers, file: "calls.json" });
    try {
      const get = await fetch(`${server.url}/${CRM}/GetChurnRisk`);
      expect([get.status, ((await get.json()) as { code: string }).code]).toEqual([405, "invalid_argument"]);
      expect((await post(server.url, "{}", "/no-method")).body.code).toBe("not_found");
      expect((await post(server.url, "{}", "/a/b/c")).body.code).toBe("not_found");
      const huge = await post(server.url, `"${"x".repeat(HOST_CALL_BODY_LIMIT + 1)}"`);
      expect([huge.status, huge.body.code]).toEqual([429, "resource_exhausted"]);
      expect((await post(server.url, "not json {")).body.code).toBe("unavailable");
      expect(await post(server.url, '{"accountId":"A-19"}')).toEqual({
        status: 200,
        body: { churnRisk: 0.8 },
      });
    } finally {
      await server.close();
    }
  });
});
