/** The configuration schema: defaults, and a declared production deployment refusing the demo secrets. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConfigError, demoCredentials, deploymentProblems, loadConfig } from './index';

const own = () => randomBytes(24).toString('hex');

describe('loadConfig', () => {
  it('starts a demo stack with the demo secrets, loopback binds and the continue edge policy', () => {
    const config = loadConfig({});
    assert.equal(config.TRACECART_DEPLOYMENT, 'demo');
    assert.equal(config.SCENARIO_TOKEN, demoCredentials.scenario);
    assert.equal(config.INTERNAL_TOKEN, demoCredentials.internal);
    assert.equal(config.SERVICE_HOST, '127.0.0.1');
    assert.equal(config.STOREFRONT_HOST, '127.0.0.1');
    assert.equal(config.TRACE_EDGE_POLICY, 'continue');
    assert.equal(config.IDEMPOTENCY_RETENTION_HOURS, 24);
  });

  it('refuses the demo scenario token and the demo internal token when the operator declares production', () => {
    assert.throws(
      () => loadConfig({ TRACECART_DEPLOYMENT: 'production' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 2, error.message);
        assert.match(error.problems[0]!, /^SCENARIO_TOKEN\W+TRACECART_DEPLOYMENT=production refuses the demo default/);
        assert.match(error.problems[1]!, /^INTERNAL_TOKEN\W+TRACECART_DEPLOYMENT=production refuses the demo default/);
        assert.match(error.message, /set SCENARIO_TOKEN to a secret of your own/);
        assert.ok(!error.message.includes(demoCredentials.internal), 'the message names the variable, not a secret value');
        return true;
      },
    );
    // Spelled out as the demo value, not only left to the default, it is refused the same way.
    assert.throws(
      () => loadConfig({ TRACECART_DEPLOYMENT: 'production', SCENARIO_TOKEN: demoCredentials.scenario, INTERNAL_TOKEN: own() }),
      /SCENARIO_TOKEN/,
    );
    assert.throws(
      () => loadConfig({ TRACECART_DEPLOYMENT: 'production', SCENARIO_TOKEN: own(), INTERNAL_TOKEN: demoCredentials.internal }),
      /INTERNAL_TOKEN/,
    );
  });

  it('starts in production with secrets of its own', () => {
    const scenario = own();
    const internal = own();
    const config = loadConfig({ TRACECART_DEPLOYMENT: 'production', SCENARIO_TOKEN: scenario, INTERNAL_TOKEN: internal });
    assert.equal(config.SCENARIO_TOKEN, scenario);
    assert.equal(config.INTERNAL_TOKEN, internal);
    assert.deepEqual(deploymentProblems(config), []);
  });

  it('does not read NODE_ENV as the deployment: compose sets it to production for Node alone', () => {
    const config = loadConfig({ NODE_ENV: 'production' });
    assert.equal(config.TRACECART_DEPLOYMENT, 'demo');
    assert.equal(config.SCENARIO_TOKEN, demoCredentials.scenario);
  });

  it('names an unknown deployment, edge policy or retention as invalid', () => {
    assert.throws(() => loadConfig({ TRACECART_DEPLOYMENT: 'prod' }), /TRACECART_DEPLOYMENT/);
    assert.throws(() => loadConfig({ TRACE_EDGE_POLICY: 'trust' }), /TRACE_EDGE_POLICY/);
    assert.throws(() => loadConfig({ IDEMPOTENCY_RETENTION_HOURS: '0' }), /IDEMPOTENCY_RETENTION_HOURS/);
    assert.equal(loadConfig({ TRACE_EDGE_POLICY: 'link-only' }).TRACE_EDGE_POLICY, 'link-only');
    assert.equal(loadConfig({ TRACE_EDGE_POLICY: 'ignore' }).TRACE_EDGE_POLICY, 'ignore');
  });
});
