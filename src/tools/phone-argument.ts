import { z } from "zod";

/**
 * A callback number as the model passes it: international (`+61 491 570 156`) or local
 * (`0491 570 156`). Stored compact (spaces, dots, dashes and brackets removed).
 */
export const PhoneArgumentSchema = z
  .string()
  .trim()
  .max(32)
  .transform((value) => value.replace(/[\s().-]/g, ""))
  .refine((value) => /^\+?\d{6,16}$/.test(value), {
    message: "must be a phone number with 6 to 16 digits",
  });

/** "the number ending 0156", so the assistant can confirm without reading the whole number. */
export function describePhoneEnding(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  return `the number ending ${digits.slice(-4).split("").join(" ")}`;
}

/** The caller's number from the call, compacted the same way (undefined when withheld). */
export function compactPhone(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const compact = value.replace(/[\s().-]/g, "");
  return /^\+?\d{6,16}$/.test(compact) ? compact : undefined;
}
