import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AdminTarget } from './admin-target.js';
import { type MetricDefinition, type Snapshot, metricDefinitions } from './metric-definitions.js';

/**
 * The Prometheus exposition of /metrics, read from the master's stats at scrape time: nothing here runs on the
 * master's hot path, and an unscraped endpoint costs nothing.
 *
 *   scrape ─► render(): one snapshot of stats() + workers() ─► registry.metrics() ─► each metric's collect()
 *             (so every metric of one scrape describes the same instant)       resets it and writes the snapshot
 *
 * The master keeps its own running totals, so a counter's collect() resets it and adds the absolute value (prom-client
 * 15 counters have no set()); the reset also drops the label sets of workers that are gone. What is exposed is
 * declared in metric-definitions.ts.
 */

/**
 * prom-client's default metrics (CPU, RSS, heap, event-loop lag, GC, open fds) keep their standard names
 * (`process_cpu_seconds_total`, `process_resident_memory_bytes`, `nodejs_eventloop_lag_seconds`, …) rather than a
 * `handoff_master_` prefix: the scrape target already says which process they describe, and the standard names are
 * what existing Node.js dashboards and alerts query.
 *
 * Registered once per process, on a private registry, on first use: collectDefaultMetrics starts an event-loop-delay
 * histogram (sampled by libuv, not by JS) and a GC observer that it never stops, so one set serves every
 * AdminServer of the process (they describe the same process anyway) instead of leaking one set per server. The CPU
 * counters therefore count from the first admin server's creation, which is the master's start-up.
 */
let processRegistry: Registry | undefined;

/**
 * Default gauges whose names end in `_total`, which Prometheus reserves for counters (promtool flags them). Each is
 * the sum of a per-type gauge that stays (`nodejs_active_handles{type}`, …), so nothing is lost.
 */
const misnamedGauges = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
    for (const name of misnamedGauges) processRegistry.removeSingleMetric(name);
  }
  return processRegistry;
}

export class AdminMetrics {
  readonly #target: AdminTarget;
  readonly #registry: Registry;
  #snapshot: Snapshot | undefined;

  constructor(target: AdminTarget) {
    this.#target = target;
    const own = new Registry();
    for (const definition of metricDefinitions) this.#define(definition, own);
    this.#registry = Registry.merge([processMetrics(), own]);
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  /** The exposition text of one scrape. */
  async render(): Promise<string> {
    // registry.metrics() calls every (synchronous) collect() before its first await, so two overlapping scrapes
    // cannot mix their snapshots.
    this.#snapshot = { stats: this.#target.stats(), workers: this.#target.workers(), now: Date.now() };
    return this.#registry.metrics();
  }

  #define(definition: MetricDefinition, registry: Registry): void {
    const config = {
      name: definition.name,
      help: definition.help,
      labelNames: definition.labelNames ?? [],
      registers: [registry],
    };
    // render() takes the snapshot before every scrape, and only render() scrapes this registry.
    const samples = () => definition.samples(this.#snapshot!);
    if (definition.type === 'counter') {
      new Counter({
        ...config,
        collect() {
          this.reset();
          for (const [labels, value] of samples()) this.inc(labels, value);
        },
      });
    } else {
      new Gauge({
        ...config,
        collect() {
          this.reset();
          for (const [labels, value] of samples()) this.set(labels, value);
        },
      });
    }
  }
}
