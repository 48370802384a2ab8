import type { Tenant } from "../tenants/tenant-document.js";

export type TransferKind = "emergency" | "front-desk";

export interface TransferChoice {
  kind: TransferKind;
  number: string;
  /** Spoken to the caller while the transfer starts. */
  message: string;
  /** The escalation trigger that matched (emergency transfers only). */
  reason: string | undefined;
}

const EMERGENCY_MESSAGE = "Putting you through to our emergency line now.";
const FRONT_DESK_MESSAGE = "Putting you through now.";

/**
 * Where to transfer this caller: the escalation number when what was said matches one of the
 * tenant's escalation triggers, otherwise the front desk (`transfer`), otherwise the escalation
 * number as the only person there is. Undefined when the tenant has neither.
 */
export function chooseTransferDestination(
  tenant: Pick<Tenant, "escalation" | "transfer">,
  texts: readonly string[],
): TransferChoice | undefined {
  const { escalation, transfer } = tenant;
  const trigger =
    escalation === undefined ? undefined : findEscalationTrigger(escalation.triggers, texts);
  if (escalation !== undefined && trigger !== undefined) {
    return {
      kind: "emergency",
      number: escalation.number,
      message: EMERGENCY_MESSAGE,
      reason: trigger,
    };
  }
  if (transfer !== undefined) {
    return {
      kind: "front-desk",
      number: transfer.number,
      message: transfer.message ?? FRONT_DESK_MESSAGE,
      reason: undefined,
    };
  }
  if (escalation !== undefined) {
    return {
      kind: "front-desk",
      number: escalation.number,
      message: FRONT_DESK_MESSAGE,
      reason: undefined,
    };
  }
  return undefined;
}

/**
 * The first trigger whose every word occurs, in any order and inflection, in one of the texts:
 * "gas smell" matches "I can smell gas", "flooding" matches "the laundry flooded".
 */
export function findEscalationTrigger(
  triggers: readonly string[],
  texts: readonly string[],
): string | undefined {
  const said = texts.map((text) => new Set(words(text)));
  return triggers.find((trigger) => {
    const needed = words(trigger);
    return needed.length > 0 && said.some((bag) => needed.every((word) => bag.has(word)));
  });
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0)
    .map(stem);
}

// Just enough stemming for trigger phrases: plural, -ing and -ed forms of the same word reduce
// to one stem ("pipes"/"pipe", "flooding"/"flooded"/"flood", "smoking"/"smoke").
function stem(word: string): string {
  let base = word;
  for (const suffix of ["ing", "ed", "s"]) {
    if (base.endsWith(suffix) && base.length - suffix.length >= 3) {
      base = base.slice(0, -suffix.length);
      // "stopped" → "stop"; but "smelling" keeps "smell" and "pass" keeps its s.
      const last = base.at(-1) ?? "";
      if (suffix !== "s" && base.length >= 4 && last === base.at(-2) && !/[aeiouls]/.test(last)) {
        base = base.slice(0, -1);
      }
      break;
    }
  }
  return base.length > 3 && base.endsWith("e") ? base.slice(0, -1) : base;
}
