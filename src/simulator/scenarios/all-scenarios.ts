import type { Scenario, ScenarioName } from "../scenario.js";
import { bookingScenario } from "./booking.js";
import { emergencyScenario } from "./emergency.js";
import { faqScenario } from "./faq.js";
import { messageScenario } from "./message.js";

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  booking: bookingScenario,
  emergency: emergencyScenario,
  message: messageScenario,
  faq: faqScenario,
};
