// host-call: calls crm.GetAccount with the account id its input gives and
// returns what the host answered.
// Expect: at low tier, permission_denied / host_call_denied, the handler never
// reached; at medium tier with crm.GetAccount allowlisted read-only, ok with the answer.
import { host, type Json } from "@ameide-ext/pdk";

export function run(input: Json) {
  return host.call("crm", "GetAccount", { id: input });
}
