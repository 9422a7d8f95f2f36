import type { Report } from './types.js';

/**
 * junit.xml: one <testcase> per SLO, checked on the aggregate (a <failure> with the actual
 * value when missed). A single run adds one per failed step, so a run that timed out
 * waiting does not look green in CI; a repeat adds one per run instead, failing with that
 * run's own reasons (its missed SLOs, its failed steps).
 */
export function renderJunit(report: Report): string {
  const suite = `peerlab.${report.scenario.name}`;
  const count = report.repeat.count;
  const statistic = count > 1 ? ` (median of ${count} runs)` : '';
  const cases = report.slos.map((s) => {
    const failure = s.pass ? '' : `\n      <failure type="slo" message="${xml(s.message)}">${xml(`${s.slo}${statistic}\nactual: ${s.actual ?? 'no value'}\n${s.message}`)}</failure>`;
    return `    <testcase classname="${xml(suite)}" name="${xml(`SLO ${s.slo}`)}" time="0">${failure}${failure ? '\n    ' : ''}</testcase>`;
  });
  let failures = report.slos.filter((s) => !s.pass).length;
  if (count === 1) {
    for (const s of report.metrics.timeline.steps.filter((step) => step.failed)) {
      const what = `step ${s.index} ${s.name}${s.label ? ` (${s.label})` : ''}`;
      cases.push(`    <testcase classname="${xml(suite)}" name="${xml(what)}" time="${((s.end_ms ?? s.begin_ms) - s.begin_ms) / 1000}">\n      <failure type="step" message="${xml(s.detail ?? 'step failed')}"/>\n    </testcase>`);
      failures++;
    }
  } else {
    for (const run of report.repeat.runs) {
      const failure = run.verdict === 'pass' ? '' : `\n      <failure type="run" message="${xml(run.verdict_reasons[0] ?? 'run failed')}">${xml(run.verdict_reasons.join('\n'))}</failure>\n    `;
      cases.push(`    <testcase classname="${xml(suite)}" name="${xml(`run ${run.index} (seed ${run.seed})`)}" time="${(run.duration_ms / 1000).toFixed(3)}">${failure}</testcase>`);
      if (failure) failures++;
    }
  }
  const time = (report.duration_ms / 1000).toFixed(3);
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="peerlab" tests="${cases.length}" failures="${failures}" time="${time}">
  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures}" errors="0" time="${time}" timestamp="${xml(report.started_at)}">
    <properties>
      <property name="seed" value="${report.seed}"/>
      <property name="repeat" value="${count}"/>
      <property name="runtime" value="${xml(report.runtime)}"/>
      <property name="scenario.file" value="${xml(report.scenario.file)}"/>
    </properties>
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}

/** Escapes for XML text and attributes, dropping characters XML 1.0 cannot carry. */
function xml(value: unknown): string {
  return String(value)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;');
}
