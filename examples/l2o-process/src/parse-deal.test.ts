import { describe, expect, it } from "vitest";
import { MAX_DEAL_JSON_LENGTH, parseDeal } from "./parse-deal.js";

describe("parseDeal()", () => {
  it("reads a deal; a missing margin is left for the extension to refuse", () => {
    expect(parseDeal('{"id":"D-7","amount":60000,"margin":0.05,"currency":"EUR"}')).toEqual({
      id: "D-7",
      amount: 60000,
      margin: 0.05,
      currency: "EUR",
    });
    expect(parseDeal('{"id":"D-9","amount":1}')).toEqual({ id: "D-9", amount: 1 });
  });

  it.each([
    ["not JSON", "{id: D-1}", "deal"],
    ["an array", '[{"id":"D-1"}]', "deal"],
    ["null", "null", "deal"],
    ["no id", '{"amount":1}', "id"],
    ["an empty id", '{"id":""}', "id"],
    ["an id over 64 characters", JSON.stringify({ id: "D".repeat(65) }), "id"],
    ["a string amount", '{"id":"D-1","amount":"1000"}', "amount"],
    ["a margin that is not finite", '{"id":"D-1","margin":1e999}', "margin"],
    ["a numeric currency", '{"id":"D-1","currency":978}', "currency"],
  ])("refuses %s: invalid_argument/invalid_input naming the field", (_, text, field) => {
    expect(() => parseDeal(text)).toThrowError(
      expect.objectContaining({
        code: "invalid_argument",
        reason: "invalid_input",
        details: expect.objectContaining({ field }),
      }),
    );
  });

  it("refuses a document over the limit before parsing it: invalid_argument/input_size", () => {
    const text = JSON.stringify({ id: "D-1", note: "x".repeat(MAX_DEAL_JSON_LENGTH) });
    expect(() => parseDeal(text)).toThrowError(
      expect.objectContaining({
        code: "invalid_argument",
        reason: "input_size",
        details: { limit: MAX_DEAL_JSON_LENGTH, actual: text.length },
      }),
    );
  });
});
