/**
 * The pathology switches. The scenario token is asked once (kept in this tab's sessionStorage) when a first
 * switch is flipped; a wrong token is said so, forgotten, and asked again, and nothing is switched. While a
 * hunt exercise runs the server hides the switches from a tab without the exercise's token: the page says
 * so and asks for that token.
 */
import { ApiError, call, SESSION_SLOT, storedToken as token, CREDENTIAL_CHANGED_EVENT, type Scenario } from './api';
import { $, el, say } from './dom';

let pending: { name: string; enabled: boolean } | undefined;

function item(scenario: Scenario): HTMLLIElement {
  const on = scenario.enabled === true;
  const toggle = el(
    'button',
    {
      type: 'button',
      role: 'switch',
      class: 'switch',
      id: `switch-${scenario.name}`,
      'aria-checked': String(on),
      'aria-label': `${scenario.title} (${scenario.name})`,
    },
    [scenario.enabled === null ? '?' : on ? 'On' : 'Off'],
  );
  toggle.disabled = scenario.enabled === null;
  toggle.addEventListener('click', () => void flip(scenario.name, !on));
  return el('li', { 'data-scenario': scenario.name }, [
    el('div', { class: 'scenario-head' }, [
      el('div', {}, [
        el('div', { class: 'scenario-title' }, [scenario.title]),
        el('div', { class: 'scenario-meta' }, [`${scenario.name} · ${scenario.service} service`]),
      ]),
      toggle,
    ]),
    scenario.problem ? el('p', { class: 'message bad' }, [scenario.problem]) : null,
    el('details', {}, [
      el('summary', {}, ['What it looks like in Jaeger']),
      el('p', {}, [scenario.inJaeger]),
      el('p', { class: 'note' }, [`Cause: ${scenario.cause}`]),
      el('p', { class: 'note' }, [`Fix: ${scenario.fix}`]),
    ]),
  ]);
}

export async function loadScenarios(): Promise<Scenario[]> {
  const list = $('scenario-list');
  try {
    const scenarios = await call<Scenario[]>('GET', '/api/scenarios');
    list.replaceChildren(...scenarios.map(item));
    if (scenarios.some((scenario) => scenario.exercise)) {
      // One message for all: the entries' problem is the same text.
      say('switch-message', scenarios.find((scenario) => scenario.exercise)!.problem ?? 'A hunt exercise is running.', 'bad');
      for (const problem of list.querySelectorAll('.message.bad')) problem.remove();
      askToken();
    }
    return scenarios;
  } catch (error) {
    say('switch-message', `Cannot read the switches: ${(error as Error).message}`, 'bad');
    return [];
  }
}

function askToken(): void {
  const form = $('token-form');
  form.hidden = false;
  ($('token') as HTMLInputElement).focus();
}

/** Switches one pathology; asks for the token first when the tab has none. */
export async function flip(name: string, enabled: boolean): Promise<boolean> {
  const current = token();
  if (!current) {
    pending = { name, enabled };
    say('switch-message', 'Enter the scenario token to switch.');
    askToken();
    return false;
  }
  say('switch-message', `Switching ${name} ${enabled ? 'on' : 'off'}…`);
  try {
    await call('PUT', `/api/scenarios/${encodeURIComponent(name)}`, { enabled, token: current });
    say('switch-message', `${name} is ${enabled ? 'on' : 'off'}.`, 'ok');
    await loadScenarios();
    $(`switch-${name}`).focus();
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'wrong_token') {
      sessionStorage.removeItem(SESSION_SLOT);
      pending = { name, enabled };
      say('switch-message', 'Wrong scenario token: nothing was switched. Enter the right one.', 'bad');
      askToken();
    } else {
      say('switch-message', `Could not switch ${name}: ${(error as Error).message}`, 'bad');
    }
    return false;
  }
}

export function setUpToken(): void {
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('token') as HTMLInputElement;
    if (!input.value) return;
    sessionStorage.setItem(SESSION_SLOT, input.value);
    document.dispatchEvent(new Event(CREDENTIAL_CHANGED_EVENT));
    input.value = '';
    $('token-form').hidden = true;
    const next = pending;
    pending = undefined;
    if (next) void flip(next.name, next.enabled);
    // Without a pending switch the token was asked to see the switches (a hunt exercise hides them).
    else
      void loadScenarios().then((scenarios) => {
        if (scenarios.length > 0 && !scenarios.some((scenario) => scenario.exercise))
          say('switch-message', 'Token accepted: the switches are shown.', 'ok');
      });
  });
}
