// Opportunity risk score (spec 479 §4.3): a deterministic tool an Agent
// primitive calls. It combines the deal's margin with the account's churn
// risk, read from the CRM through one read-only host call, into a score from
// 0 to 100, a band and a recommendation the agent can quote with its reasons.
import { JSON, fail, host, log } from "@ameide-ext/pdk";

const CRM_SERVICE = "ameide.crm.v1.AccountService";
const CRM_METHOD = "GetChurnRisk";
const TARGET_MARGIN_PCT: f64 = 25;
const CHURN_WEIGHT: f64 = 0.55;
const MARGIN_WEIGHT: f64 = 0.45;
const HIGH_BAND = 65;
const MEDIUM_BAND = 35;

function clamp01(x: f64): f64 {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

function round2(x: f64): f64 {
  return Math.round(x * 100) / 100;
}

function factor(name: string, value: f64, weight: f64, points: i32): JSON.Value {
  return JSON.object().set("name", name).set("value", round2(value)).set("weight", weight).set("points", points);
}

export function run(input: string): string {
  const parsed = JSON.tryParse(input);
  if (!parsed.ok || !parsed.value.isObject) {
    return fail("INVALID_OPPORTUNITY", "the input must be a JSON object describing the opportunity");
  }
  const opp = parsed.value;
  const accountId = opp.getString("accountId");
  if (accountId == "" || !opp.has("marginPct")) {
    return fail("INVALID_OPPORTUNITY", "an opportunity needs `accountId` and `marginPct`");
  }

  const res = host.call(CRM_SERVICE, CRM_METHOD, JSON.object().set("accountId", accountId));
  if (!res.ok) {
    if (res.code == "not_found") return fail("ACCOUNT_NOT_FOUND", "account " + accountId + " is not in the CRM");
    return fail("CRM_UNAVAILABLE", "the churn risk of account " + accountId + " could not be read: " + res.message);
  }
  const churn = clamp01(res.json().getNumber("churnRisk"));
  const marginRisk = clamp01((TARGET_MARGIN_PCT - opp.getNumber("marginPct")) / TARGET_MARGIN_PCT);
  const churnPoints = <i32>Math.round(100 * CHURN_WEIGHT * churn);
  const marginPoints = <i32>Math.round(100 * MARGIN_WEIGHT * marginRisk);
  const score = churnPoints + marginPoints;

  let band = "low";
  let recommendation = "proceed with the standard approval";
  if (score >= HIGH_BAND) {
    band = "high";
    recommendation = "escalate to the deal desk before quoting";
  } else if (score >= MEDIUM_BAND) {
    band = "medium";
    recommendation = "review pricing and the account plan with the account team";
  }
  log.info("opportunity " + opp.getString("opportunityId", "?") + " scored " + score.toString() + " (" + band + ")");

  const factors = JSON.array()
    .push(factor("churn_risk", churn, CHURN_WEIGHT, churnPoints))
    .push(factor("margin_risk", marginRisk, MARGIN_WEIGHT, marginPoints));
  return JSON.object()
    .set("opportunityId", opp.getString("opportunityId"))
    .set("score", score)
    .set("band", band)
    .set("factors", factors)
    .set("recommendation", recommendation)
    .toString();
}
