/** The monitor's public surface (re-exported from the package entry). */
export { Monitor } from './monitor.ts';
export type { MonitorOptions } from './monitor.ts';
export type { MonitorSample, Probe, SampleFields } from './types.ts';
export { SystemProbe, wholeDisks } from './system-probe.ts';
export { ProcessTreeProbe, descendantsOf, scanParents } from './process-tree-probe.ts';
export { GeneratorProbe } from './generator-probe.ts';
export { MetricsScraper, DEFAULT_SCRAPE_SERIES } from './metrics-scraper.ts';
export type { MetricsScraperOptions, ScrapePoint } from './metrics-scraper.ts';
export { parsePrometheusText, parseSelector, selectSeries } from './prometheus-text.ts';
export type { PromSample, SeriesSelector } from './prometheus-text.ts';
export { detectLeak, judgeSeries } from './leak-detector.ts';
export type { LeakOptions, LeakVerdict, LeakVerdictKind, SeriesLeakVerdict } from './leak-detector.ts';
export { assessSaturation } from './saturation.ts';
export type { SaturationOptions, SaturationVerdict } from './saturation.ts';
export { fitLine, blockSlopeInterval } from './linear-fit.ts';
export { nextDueMs, nextSlotMs } from './cadence.ts';
