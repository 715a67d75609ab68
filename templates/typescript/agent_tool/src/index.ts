// Opportunity risk score (spec 479 §4.3): a deterministic tool an Agent
// primitive calls. It combines the deal's margin with the account's churn
// risk, read from the CRM through one read-only host call, into a score from
// 0 to 100, a band and a recommendation the agent can quote with its reasons.
import { fail, host, type Json, log } from "@ameide-ext/pdk";

const CRM_SERVICE = "ameide.crm.v1.AccountService";
const CRM_METHOD = "GetChurnRisk";
const TARGET_MARGIN_PCT = 25;
const CHURN_WEIGHT = 0.55;
const MARGIN_WEIGHT = 0.45;
const HIGH_BAND = 65;
const MEDIUM_BAND = 35;

/** The CRM's answer to GetChurnRisk. */
interface ChurnRisk {
  accountId?: string;
  churnRisk?: number;
}

/** One input of the score, with what it contributed. */
interface Factor {
  name: "churn_risk" | "margin_risk";
  value: number;
  weight: number;
  points: number;
}

/** The tool's answer (`output_schema` in extension.json). */
interface RiskScore {
  opportunityId: string;
  score: number;
  band: "low" | "medium" | "high";
  factors: Factor[];
  recommendation: string;
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
const round2 = (x: number): number => Math.round(x * 100) / 100;

function factor(name: Factor["name"], value: number, weight: number): Factor {
  return { name, value: round2(value), weight, points: Math.round(100 * weight * value) };
}

export function run(input: Json): RiskScore {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return fail("INVALID_OPPORTUNITY", "the input must be a JSON object describing the opportunity");
  }
  const opportunityId = typeof input.opportunityId === "string" ? input.opportunityId : "";
  const accountId = typeof input.accountId === "string" ? input.accountId : "";
  const marginPct = input.marginPct;
  if (accountId === "" || typeof marginPct !== "number") {
    return fail("INVALID_OPPORTUNITY", "an opportunity needs `accountId` and `marginPct`");
  }

  const res = host.call<ChurnRisk>(CRM_SERVICE, CRM_METHOD, { accountId });
  if (!res.ok) {
    if (res.code === "not_found") return fail("ACCOUNT_NOT_FOUND", `account ${accountId} is not in the CRM`);
    return fail(
      "CRM_UNAVAILABLE",
      `the churn risk of account ${accountId} could not be read: ${res.message}`,
    );
  }
  const churn = factor("churn_risk", clamp01(res.value.churnRisk ?? 0), CHURN_WEIGHT);
  const margin = factor(
    "margin_risk",
    clamp01((TARGET_MARGIN_PCT - marginPct) / TARGET_MARGIN_PCT),
    MARGIN_WEIGHT,
  );
  const score = churn.points + margin.points;

  let band: RiskScore["band"] = "low";
  let recommendation = "proceed with the standard approval";
  if (score >= HIGH_BAND) {
    band = "high";
    recommendation = "escalate to the deal desk before quoting";
  } else if (score >= MEDIUM_BAND) {
    band = "medium";
    recommendation = "review pricing and the account plan with the account team";
  }
  log.info(`opportunity ${opportunityId || "?"} scored ${score} (${band})`);

  return { opportunityId, score, band, factors: [churn, margin], recommendation };
}
