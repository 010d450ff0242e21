import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createInProcessEventBus } from "@plaza/events";
import { createMetrics } from "@plaza/kit";
import { countRouterDeadLetters, createRouterMetrics } from "@plaza/router";
import { countEventDeadLetters } from "@plaza/runtime";
import { createCountersMetrics } from "@plaza/counters/metrics";

const ALERTS = new URL("../../../infra/prometheus/alerts.yml", import.meta.url);

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string; for?: string }> }>;
}

/** Every metric each service registers, wired as the services wire them (no server started). */
function serviceRegistries() {
  const bus = createInProcessEventBus();
  const subgraphs = ["users", "posts", "counters"].map((service) => {
    const metrics = createMetrics(service, { defaultMetrics: false });
    if (service === "counters") createCountersMetrics(metrics);
    countEventDeadLetters({ bus, service, metrics });
    return metrics.registry;
  });
  const router = createRouterMetrics({ defaultMetrics: false });
  countRouterDeadLetters(bus, router);
  return [...subgraphs, router.registry];
}

describe("infra/prometheus/alerts.yml", () => {
  const file = parse(readFileSync(ALERTS, "utf8")) as RuleFile;
  const rules = file.groups.flatMap((group) => group.rules);
  const registries = serviceRegistries();
  const known = new Set(registries.flatMap((registry) => registry.getMetricsAsArray().map((metric) => metric.name)));

  it("is a Prometheus rule file: named groups of alerts, each with an expression", () => {
    expect(file.groups.length).toBeGreaterThan(0);
    for (const group of file.groups) {
      expect(group.name).toMatch(/^[a-z0-9-]+$/);
      for (const rule of group.rules) {
        expect(rule.alert ?? rule.record, JSON.stringify(rule)).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
        expect(typeof rule.expr).toBe("string");
        if (rule.for) expect(rule.for).toMatch(/^\d+[smh]$/);
      }
    }
    expect(new Set(rules.map((rule) => rule.alert)).size).toBe(rules.length);
  });

  it("names only metrics the services export", () => {
    const referenced = new Set(rules.flatMap((rule) => rule.expr.match(/\bplaza_[a-z0-9_]+/g) ?? []));
    expect(referenced.size).toBeGreaterThan(0);
    expect([...referenced].filter((name) => !known.has(name))).toEqual([]);
  });

  it("alerts on every dead-letter metric", () => {
    const deadLetterMetrics = [...known].filter((name) => name.endsWith("dead_letters_total"));
    expect(deadLetterMetrics.sort()).toEqual([
      "plaza_counters_event_dead_letters_total",
      "plaza_counters_write_behind_dead_letters_total",
      "plaza_posts_event_dead_letters_total",
      "plaza_router_event_dead_letters_total",
      "plaza_users_event_dead_letters_total",
    ]);
    for (const metric of deadLetterMetrics) {
      expect(
        rules.some((rule) => rule.expr.includes(`increase(${metric}[5m])`) && /\)\s*>\s*0/.test(rule.expr)),
        metric,
      ).toBe(true);
    }
  });
});
