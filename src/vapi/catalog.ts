import type { Vapi } from "@vapi-ai/server-sdk";

/**
 * Provider values we let tenants choose, checked against the official SDK at compile time so a
 * voice or model Vapi does not know can never be offered (the design sketch's Deepgram
 * "australian_male" voice does not exist).
 */
export const DEEPGRAM_VOICE_IDS = [
  "asteria",
  "luna",
  "stella",
  "athena",
  "hera",
  "orion",
  "arcas",
  "perseus",
  "angus",
  "orpheus",
  "helios",
  "zeus",
  "thalia",
  "andromeda",
  "helena",
  "apollo",
  "aries",
  "atlas",
  "aurora",
  "callista",
  "cora",
  "delia",
  "draco",
  "electra",
  "harmonia",
  "hermes",
  "hyperion",
  "iris",
  "juno",
  "jupiter",
  "mars",
  "minerva",
  "neptune",
  "odysseus",
  "ophelia",
  "pandora",
  "phoebe",
  "pluto",
  "saturn",
  "selene",
  "theia",
  "vesta",
] as const satisfies readonly Vapi.DeepgramVoiceId[];

export const OPENAI_MODELS = [
  "gpt-4o",
  "gpt-4o-mini",
  "gpt-4.1",
  "gpt-4.1-mini",
  "gpt-4.1-nano",
] as const satisfies readonly Vapi.OpenAiModelModel[];
