import { joinSpoken } from "./describe-slots.js";

/**
 * Finds the tenant's own spelling of a service the model named, ignoring case, spacing,
 * punctuation and a plural "s" ("blocked drain" → "Blocked drains").
 */
export function matchService(services: readonly string[], input: string): string | undefined {
  const wanted = normalize(input);
  if (wanted === "") return undefined;
  return services.find((service) => normalize(service) === wanted);
}

/** The sentence the assistant can say when a service is not offered. */
export function unknownServiceError(services: readonly string[], input: string): string {
  return `We don't offer "${input.trim()}". The services are ${joinSpoken(
    services,
    "and",
  )}; please choose one of those, or offer to take a message.`;
}

function normalize(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
    .split(" ")
    .map((word) => (word.length > 3 && word.endsWith("s") ? word.slice(0, -1) : word))
    .join(" ");
}
