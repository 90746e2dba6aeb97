// No Docker engine runs here, so the compose deployment is checked by reading it:
// images, roles, environment (against the app's own config loader), mounts, ports,
// healthchecks and dependencies, and that Grafana's provisioning agrees with ClickHouse,
// the dashboards and the TicketPulse configuration.
import { existsSync, readdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV_OVERRIDES, loadConfig } from '../../core/config/load.ts';
import { CLICKHOUSE_PLUGIN_ID, CLICKHOUSE_PLUGIN_VERSION, DATASOURCE_UID } from '../../dashboards/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Env = Record<string, string>;
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test: string[]; disable?: boolean };
  restart?: string;
  profiles?: string[];
  deploy?: { replicas?: number };
}

const composeText = read('docker-compose.yml');
// Compose resolves `<<: *anchor` merge keys; the yaml package does so when asked.
const compose = parseYaml(composeText, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const dotenv: Env = Object.fromEntries(
  read('.env.example')
    .split('\n')
    .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

/** Compose's variable interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}, $$. */
function interpolate(text: string, env: Env = dotenv): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (m, name?: string, op?: string, arg?: string) => {
    if (m === '$$') return '$';
    const value = env[name!];
    const unset = op?.startsWith(':') ? !value : value === undefined;
    if (unset && op?.endsWith('-')) return arg ?? '';
    if (unset && op?.endsWith('?')) throw new Error(`${name} is required: ${arg}`);
    if (value === undefined) throw new Error(`${name} is not set`);
    return value;
  });
}
/** Variables referenced outside comments (YAML comments are not interpolated). */
const referencedVariables = (text: string) =>
  new Set(
    text
      .split('\n')
      .filter((l) => !l.trimStart().startsWith('#'))
      .flatMap((l) => [...l.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1])),
  );
const envOf = (s: Service): Env => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));

/** Services built from this repository's Dockerfile: TicketPulse's roles. */
const roles = Object.entries(services).filter(([, s]) => s.build);
const longRunning = Object.entries(services).filter(([, s]) => s.restart !== 'no');
const cliSource = ['cli/main.ts', ...readdirSync(join(ROOT, 'cli/commands')).map((f) => `cli/commands/${f}`)]
  .filter((p) => p.endsWith('.ts') && existsSync(join(ROOT, p)))
  .map(read)
  .join('\n');
const cliHas = (command: string) => cliSource.includes(`.command('${command}')`);

const tmp = mkdtempSync(join(tmpdir(), 'ticketpulse-deploy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('docker-compose.yml services', () => {
  it('has Kafka, ClickHouse, Grafana and the TicketPulse roles', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['kafka', 'kafka-init', 'clickhouse', 'grafana', 'migrate', 'ingest', 'processors', 'api']));
    expect(services.ingest.deploy?.replicas).toBe(2);
    expect(services.processors.deploy?.replicas).toBe(1);
  });

  it('uses the official images, pinned', () => {
    expect(services.kafka.image).toMatch(/^apache\/kafka:\d+\.\d+\.\d+$/);
    expect(services['kafka-init'].image).toBe(services.kafka.image);
    expect(services.clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+(\.\d+)*$/);
    expect(services.grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
  });

  it('builds every TicketPulse role from the Dockerfile runtime stage', () => {
    const stages = [...read('Dockerfile').matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);
    expect(roles.map(([name]) => name).sort()).toEqual(['api', 'ingest', 'migrate', 'processors', 'simulator']);
    for (const [name, s] of roles) {
      expect(s.build, name).toEqual({ context: '.', dockerfile: 'Dockerfile', target: 'runtime' });
      expect(stages[stages.length - 1]).toBe(s.build?.target);
      expect(s.image, name).toBe(services.api.image);
    }
  });

  it.each(['migrate', 'ingest', 'processors', 'api', 'simulate'])('runs the CLI command %s, which the CLI registers', (command) => {
    const using = roles.filter(([, s]) => s.command?.[0] === command);
    expect(using.length, `no service runs ${command}`).toBeGreaterThan(0);
    expect(cliHas(command), `docker-compose runs \`ticketpulse ${command}\`, which cli/ does not register`).toBe(true);
  });

  it('keeps the demo simulator out of a plain `docker compose up`', () => {
    expect(services.simulator.profiles).toEqual(['demo']);
  });
});

describe('environment', () => {
  it('sets, for TicketPulse, only configuration overrides the app reads', () => {
    const known = new Set(ENV_OVERRIDES.map((o) => o.env));
    for (const [name, s] of roles) {
      for (const key of Object.keys(s.environment ?? {})) expect(known.has(key), `${name}: ${key} is not in ENV_OVERRIDES (core/config/load.ts)`).toBe(true);
    }
  });

  it('is a valid TicketPulse configuration that points at the compose services', () => {
    for (const [name, s] of roles) {
      const { config } = loadConfig({ env: envOf(s), cwd: tmp });
      const ch = new URL(config.clickhouse.url ?? '');
      expect(ch.hostname, name).toBe('clickhouse');
      expect(ch.port, name).toBe('8123');
      expect(config.clickhouse.user).toBe('ticketpulse');
      expect(config.kafka.brokers).toEqual(['kafka:9092']);
      expect(config.api.host).toBe('0.0.0.0');
    }
  });

  it('reads every variable from .env.example, and .env.example holds nothing unused', () => {
    const used = [...referencedVariables(composeText)];
    for (const name of used) expect(Object.keys(dotenv), `${name} is used by docker-compose.yml but missing from .env.example`).toContain(name);
    for (const name of Object.keys(dotenv)) expect(used, `.env.example has ${name}, which nothing reads`).toContain(name);
  });

  it("gives Grafana every variable its provisioning files read (Grafana substitutes them from its own environment)", () => {
    for (const file of ['dashboards/provisioning/datasources/clickhouse.yaml', 'dashboards/provisioning/dashboards/ticketpulse.yaml']) {
      for (const name of referencedVariables(read(file))) expect(Object.keys(services.grafana.environment ?? {}), `${file} reads ${name}`).toContain(name);
    }
  });

  it('resolves with the example values (every required variable is present)', () => {
    for (const [name, s] of Object.entries(services)) expect(() => envOf(s), name).not.toThrow();
  });
});

describe('Kafka', () => {
  const env = envOf(services.kafka);

  it('runs in KRaft mode, with no ZooKeeper', () => {
    expect(env.KAFKA_PROCESS_ROLES.split(',').sort()).toEqual(['broker', 'controller']);
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`${env.KAFKA_NODE_ID}@kafka:9093`);
    expect(env.KAFKA_LISTENERS).toContain('CONTROLLER://:9093');
    expect(Object.keys(env).filter((k) => /ZOOKEEPER/.test(k))).toEqual([]);
    expect(dotenv.KAFKA_CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('advertises to containers the address TicketPulse consumes from', () => {
    const internal = env.KAFKA_ADVERTISED_LISTENERS.split(',').find((l) => l.startsWith(`${env.KAFKA_INTER_BROKER_LISTENER_NAME}://`));
    expect(internal?.replace(/^\w+:\/\//, '')).toBe(envOf(services.ingest).KAFKA_BROKERS);
  });

  it('creates the consumed topic with a partition for every ingest replica', () => {
    const args = (services['kafka-init'].command ?? []).map((a) => interpolate(String(a)));
    expect(args[args.indexOf('--topic') + 1]).toBe(envOf(services.ingest).KAFKA_TOPICS);
    expect(Number(args[args.indexOf('--partitions') + 1])).toBeGreaterThanOrEqual(services.ingest.deploy?.replicas ?? 1);
    expect(services['kafka-init'].entrypoint?.[0]).toBe('/opt/kafka/bin/kafka-topics.sh');
  });
});

describe('ClickHouse', () => {
  const users = read('deploy/clickhouse/users.d/ticketpulse.xml');
  const userNames = [...(/<users>([\s\S]*?)<\/users>/.exec(users)?.[1] ?? '').matchAll(/^\s{8}<([a-z_]+)>/gm)].map((m) => m[1]);
  const env = envOf(services.clickhouse);

  it('mounts well-formed XML (balanced tags), which ClickHouse refuses to start without', () => {
    for (const file of ['deploy/clickhouse/users.d/ticketpulse.xml', 'deploy/clickhouse/config.d/ticketpulse.xml']) {
      const text = read(file).replace(/<!--[\s\S]*?-->/g, '');
      const stack: string[] = [];
      for (const [, close, name, selfClosing] of text.matchAll(/<(\/?)([A-Za-z_][\w.-]*)[^>]*?(\/?)>/g)) {
        if (selfClosing) continue;
        if (close) expect(stack.pop(), `${file}: </${name}>`).toBe(name);
        else stack.push(name);
      }
      expect(stack, file).toEqual([]);
      expect(text.trim().startsWith('<clickhouse>'), file).toBe(true);
    }
  });

  it('defines the users TicketPulse and Grafana log in as', () => {
    expect(userNames.sort()).toEqual(['grafana', 'ticketpulse']);
  });

  it('takes each password from a variable the clickhouse service sets, equal to what the clients send', () => {
    const fromEnv = [...users.matchAll(/from_env="([A-Z_]+)"/g)].map((m) => m[1]);
    for (const name of fromEnv) expect(Object.keys(env)).toContain(name);
    expect(env.CLICKHOUSE_TICKETPULSE_PASSWORD).toBe(envOf(services.api).CLICKHOUSE_PASSWORD);
    expect(env.CLICKHOUSE_GRAFANA_PASSWORD).toBe(envOf(services.grafana).GRAFANA_CLICKHOUSE_PASSWORD);
  });

  it('creates the database TicketPulse and Grafana use, and never gets the image’s own user variables', () => {
    expect(env.CLICKHOUSE_DB).toBe(envOf(services.api).CLICKHOUSE_DATABASE);
    // CLICKHOUSE_USER / CLICKHOUSE_PASSWORD would make the image's entrypoint create a conflicting user.
    expect(Object.keys(env)).not.toContain('CLICKHOUSE_USER');
    expect(Object.keys(env)).not.toContain('CLICKHOUSE_PASSWORD');
  });

  it('keeps Grafana read-only', () => {
    expect(users).toMatch(/<grafana>[\s\S]*<profile>grafana_readonly<\/profile>/);
    // readonly=2: reads, plus the per-query settings the plugin sends; readonly itself pinned.
    expect(users).toMatch(/<grafana_readonly>\s*<readonly>2<\/readonly>/);
    expect(users).toMatch(/<constraints>\s*<readonly>\s*<const\/>\s*<\/readonly>/);
  });
});

describe('Grafana provisioning', () => {
  const ds = (parseYaml(read('dashboards/provisioning/datasources/clickhouse.yaml')) as { datasources: Array<Record<string, any>> }).datasources;
  const providers = (parseYaml(read('dashboards/provisioning/dashboards/ticketpulse.yaml')) as { providers: Array<Record<string, any>> }).providers;
  const grafanaEnv = envOf(services.grafana);
  const mounts = (services.grafana.volumes ?? []).map((v) => v.split(':'));
  const mountTarget = (source: string) => mounts.find(([s]) => s === source)?.[1];

  it('installs the plugin version the dashboards are written for', () => {
    expect(grafanaEnv.GF_PLUGINS_PREINSTALL_SYNC.split(',')).toContain(`${CLICKHOUSE_PLUGIN_ID}@${CLICKHOUSE_PLUGIN_VERSION}`);
  });

  it('provisions the data source the dashboards use, on the ClickHouse service', () => {
    expect(ds).toHaveLength(1);
    const [d] = ds;
    expect(d).toMatchObject({ uid: DATASOURCE_UID, type: CLICKHOUSE_PLUGIN_ID });
    expect(d.jsonData.host in services).toBe(true);
    expect(d.jsonData).toMatchObject({ host: 'clickhouse', port: 8123, protocol: 'http' });
    expect(d.jsonData.username).toBe('grafana');
    // Grafana substitutes ${VAR} in provisioning files from its own environment.
    expect(interpolate(d.jsonData.defaultDatabase, grafanaEnv)).toBe(envOf(services.api).CLICKHOUSE_DATABASE);
    expect(interpolate(d.secureJsonData.password, grafanaEnv)).toBe(envOf(services.clickhouse).CLICKHOUSE_GRAFANA_PASSWORD);
  });

  it('mounts the provisioning and points the dashboard provider at the generated JSON', () => {
    expect(mountTarget('./dashboards/provisioning')).toBe('/etc/grafana/provisioning');
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ type: 'file', allowUiUpdates: false });
    expect(mountTarget('./dashboards/generated')).toBe(providers[0].options.path);
    const home = grafanaEnv.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(home.startsWith(`${providers[0].options.path}/`)).toBe(true);
    expect(existsSync(join(ROOT, 'dashboards/generated', home.slice(providers[0].options.path.length + 1)))).toBe(true);
  });
});

describe('volumes, ports, healthchecks and start order', () => {
  it('bind-mounts only paths that exist, and declares every named volume', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const [source] = v.split(':');
        if (source.startsWith('.')) expect(existsSync(join(ROOT, source)), `${name}: ${source}`).toBe(true);
        else expect(Object.keys(compose.volumes), `${name}: volume ${source}`).toContain(source);
      }
    }
  });

  it('keeps the state of Kafka, ClickHouse and Grafana in named volumes', () => {
    const target = (svc: string, path: string) => (services[svc].volumes ?? []).some((v) => v.split(':')[1] === path && !v.startsWith('.'));
    expect(target('kafka', envOf(services.kafka).KAFKA_LOG_DIRS)).toBe(true);
    expect(target('clickhouse', '/var/lib/clickhouse')).toBe(true);
    expect(target('grafana', '/var/lib/grafana')).toBe(true);
  });

  it('publishes distinct host ports, each to the port the service listens on', () => {
    const published = Object.entries(services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => {
        const parts = interpolate(p).split(':');
        return { name, host: parts[parts.length - 2], container: parts[parts.length - 1] };
      }),
    );
    expect(new Set(published.map((p) => p.host)).size).toBe(published.length);
    const container = (name: string) => published.find((p) => p.name === name)?.container;
    expect(container('api')).toBe(envOf(services.api).PORT);
    expect(container('grafana')).toBe('3000');
    expect(container('clickhouse')).toBe('8123');
    expect(container('kafka')).toBe(/EXTERNAL:\/\/:(\d+)/.exec(envOf(services.kafka).KAFKA_LISTENERS)?.[1]);
  });

  it('gives every long-running service a healthcheck', () => {
    for (const [name, s] of longRunning) {
      expect(s.healthcheck?.test?.length ?? 0, name).toBeGreaterThan(0);
      expect(s.healthcheck?.disable, name).not.toBe(true);
    }
  });

  it('checks each role on the port it listens on', () => {
    const port = (svc: string) => services[svc].healthcheck?.test.at(-1);
    expect(services.api.healthcheck?.test.slice(0, 3)).toEqual(['CMD', 'node', 'deploy/healthcheck.mjs']);
    expect(port('api')).toBe(envOf(services.api).PORT);
    const ingestSource = existsSync(join(ROOT, 'cli/commands/ingest.ts')) ? read('cli/commands/ingest.ts') : '';
    const metricsPort = /--metrics-port[^\n]*\.default\((\d+)\)/.exec(ingestSource)?.[1];
    if (metricsPort) expect(port('ingest')).toBe(metricsPort);
    expect(existsSync(join(ROOT, 'deploy/healthcheck.mjs'))).toBe(true);
  });

  it('starts each service after what it needs is healthy (or, for one-shots, done)', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, cond] of Object.entries(s.depends_on ?? {})) {
        const target = services[dep];
        expect(target, `${name} depends on unknown ${dep}`).toBeDefined();
        const oneShot = target.restart === 'no';
        expect(cond.condition, `${name} → ${dep}`).toBe(oneShot ? 'service_completed_successfully' : 'service_healthy');
        if (!oneShot) expect(target.healthcheck, `${dep} needs a healthcheck`).toBeDefined();
      }
    }
    expect(Object.keys(services.ingest.depends_on ?? {})).toEqual(expect.arrayContaining(['kafka', 'kafka-init', 'clickhouse', 'migrate']));
    for (const role of ['ingest', 'processors', 'api']) expect(Object.keys(services[role].depends_on ?? {})).toContain('migrate');
    expect(Object.keys(services.grafana.depends_on ?? {})).toContain('clickhouse');
  });
});
