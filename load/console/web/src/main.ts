/** The lab console's page: switches, load with a live chart, verdict, compare, and what is down. */
import { $ } from './dom';
import { settings } from './dom';
import { showCompare } from './compare';
import { setUpChart } from './chart';
import { setUpLoad } from './load';
import { loadScenarios, setUpToken } from './scenarios';
import { refreshStatus } from './status';

function start(): void {
  const { jaegerUiUrl } = settings();
  setUpToken();
  setUpChart();
  setUpLoad(jaegerUiUrl);
  $('compare-button').addEventListener('click', () => void showCompare());
  void refreshStatus();
  window.setInterval(() => void refreshStatus(), 5_000);
  void loadScenarios();
}

start();
