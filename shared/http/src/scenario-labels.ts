/**
 * The `app.scenario.<name>` label on the span each switched-on pathology touches, applied as the span
 * starts (a span processor reads the switches), so the code that makes the span does not set it. None
 * while a hunt exercise hides the labels.
 */
import { scenarioLabels, type PathologyName } from '@tracecart/scenarios';
import { labelSpansOnStart } from '@tracecart/telemetry';
import type { ScenarioSwitches } from './scenario-routes';

/** `spans` names the span each of this service's pathologies touches, e.g. `{ 'n-plus-one': 'checkout.load_cart' }`. */
export function labelPathologySpans(switches: ScenarioSwitches, spans: Partial<Record<PathologyName, string>>): void {
  const labelled = Object.entries(spans) as Array<[PathologyName, string]>;
  labelSpansOnStart((spanName) => {
    const on = labelled.find(([name, span]) => span === spanName && switches[name]?.enabled());
    return on ? scenarioLabels(on[0]) : undefined;
  });
}
