// Opportunity risk (spec 479 §4.3): a deterministic tool the deal-coach agent
// calls. It scores how likely an open opportunity is to slip or be lost, from
// 0 to 100, from the opportunity's own fields alone (no host calls, so its
// risk tier is low and a call replays exactly), and says which factors weigh
// most and what to do about the heaviest one.
import { fail, JSON, log } from "@ameide-ext/pdk";

// Points each factor can add; they sum to 100.
const STALL_POINTS: f64 = 30;
const DISCOUNT_POINTS: f64 = 25;
const NO_CHAMPION_POINTS = 20;
const COMPETITOR_POINTS = 15;
const LARGE_DEAL_POINTS = 10;
const MID_DEAL_POINTS = 5;
// A discount above this starts to count; at DISCOUNT_FULL_PCT it counts fully.
const DISCOUNT_GUIDELINE_PCT: f64 = 10;
const DISCOUNT_FULL_PCT: f64 = 30;
const LARGE_DEAL_AMOUNT: f64 = 250000;
const MID_DEAL_AMOUNT: f64 = 100000;
const HIGH_BAND = 60;
const MEDIUM_BAND = 30;

/** Days a deal usually spends in a stage; 0 for a stage that is not an open one. */
function expectedDays(stage: string): i32 {
  if (stage == "prospecting") return 30;
  if (stage == "qualification") return 21;
  if (stage == "proposal") return 14;
  if (stage == "negotiation") return 10;
  return 0;
}

function clamp01(x: f64): f64 {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** A number as JSON writes it: 15, not AssemblyScript's 15.0. */
function fmt(x: f64): string {
  return x == Math.floor(x) && Math.abs(x) < 1e15 ? (<i64>x).toString() : x.toString();
}

class Factor {
  constructor(
    public name: string,
    public value: f64,
    public points: i32,
    public advice: string,
  ) {}

  toJson(): JSON.Value {
    return JSON.object()
      .set("name", this.name)
      .set("value", this.value)
      .set("points", this.points)
      .set("advice", this.advice);
  }
}

function scoreFactors(opp: JSON.Value, stage: string): Array<Factor> {
  const factors: Factor[] = [];
  const days = <f64>opp.getInteger("daysInStage");
  const expected = <f64>expectedDays(stage);
  const stall = <i32>Math.round(STALL_POINTS * clamp01((days - expected) / expected));
  factors.push(
    new Factor(
      "stalled",
      days,
      stall,
      "it has sat in " +
        stage +
        " for " +
        fmt(days) +
        " days (usually " +
        fmt(expected) +
        "): agree a dated next step with the buyer",
    ),
  );
  const discount = opp.getNumber("discountPct");
  const span = DISCOUNT_FULL_PCT - DISCOUNT_GUIDELINE_PCT;
  const discountPoints = <i32>(
    Math.round(DISCOUNT_POINTS * clamp01((discount - DISCOUNT_GUIDELINE_PCT) / span))
  );
  factors.push(
    new Factor(
      "discount",
      discount,
      discountPoints,
      "a " +
        fmt(discount) +
        "% discount is over the " +
        fmt(DISCOUNT_GUIDELINE_PCT) +
        "% guideline: trade it for term or volume, or take it to the deal desk",
    ),
  );
  const champion = opp.getBool("hasChampion");
  factors.push(
    new Factor(
      "no_champion",
      champion ? 0 : 1,
      champion ? 0 : NO_CHAMPION_POINTS,
      "no champion: find and confirm a sponsor inside the account before the next stage",
    ),
  );
  const competitor = opp.getString("competitor");
  factors.push(
    new Factor(
      "competitor",
      competitor == "" ? 0 : 1,
      competitor == "" ? 0 : COMPETITOR_POINTS,
      "competing with " + competitor + ": prepare the differentiation story with a reference customer",
    ),
  );
  const amount = opp.getNumber("amount");
  const sizePoints =
    amount >= LARGE_DEAL_AMOUNT ? LARGE_DEAL_POINTS : amount >= MID_DEAL_AMOUNT ? MID_DEAL_POINTS : 0;
  factors.push(
    new Factor(
      "deal_size",
      amount,
      sizePoints,
      "a deal of this size: bring in an executive sponsor on both sides",
    ),
  );
  return factors;
}

export function run(input: string): string {
  const parsed = JSON.tryParse(input);
  if (!parsed.ok || !parsed.value.isObject) {
    return fail("INVALID_OPPORTUNITY", "the input must be a JSON object describing the opportunity");
  }
  const opp = parsed.value;
  const id = opp.getString("opportunityId");
  const stage = opp.getString("stage");
  if (id == "") return fail("INVALID_OPPORTUNITY", "an opportunity needs an `opportunityId`");
  if (stage == "closed_won" || stage == "closed_lost") {
    return fail(
      "OPPORTUNITY_CLOSED",
      "opportunity " + id + " is " + stage + ": a closed deal has no risk to score",
    );
  }
  if (expectedDays(stage) == 0) {
    return fail(
      "INVALID_OPPORTUNITY",
      "stage `" + stage + "` is not one of prospecting, qualification, proposal, negotiation",
    );
  }

  const factors = scoreFactors(opp, stage);
  let score = 0;
  let heaviest: Factor | null = null;
  const weighing = JSON.array();
  for (let i = 0; i < factors.length; i++) {
    const f = factors[i];
    if (f.points == 0) continue;
    score += f.points;
    if (heaviest === null || f.points > heaviest.points) heaviest = f;
    weighing.push(f.toJson());
  }
  const band = score >= HIGH_BAND ? "high" : score >= MEDIUM_BAND ? "medium" : "low";
  const recommendation =
    heaviest === null ? "keep the next step dated and the close plan current" : heaviest.advice;
  log.info("opportunity " + id + " scored " + score.toString() + " (" + band + ")");
  return JSON.object()
    .set("opportunityId", id)
    .set("score", score)
    .set("band", band)
    .set("factors", weighing)
    .set("recommendation", recommendation)
    .toString();
}
