import type { Report } from './types.js';

/**
 * junit.xml: one <testcase> per SLO (a <failure> with the actual value when missed), plus
 * one per failed step, so a run that timed out waiting does not look green in CI.
 */
export function renderJunit(report: Report): string {
  const suite = `peerlab.${report.scenario.name}`;
  const cases = report.slos.map((s) => {
    const failure = s.pass ? '' : `\n      <failure type="slo" message="${xml(s.message)}">${xml(`${s.slo}\nactual: ${s.actual ?? 'no value'}\n${s.message}`)}</failure>`;
    return `    <testcase classname="${xml(suite)}" name="${xml(`SLO ${s.slo}`)}" time="0">${failure}${failure ? '\n    ' : ''}</testcase>`;
  });
  const failedSteps = report.metrics.timeline.steps.filter((s) => s.failed);
  for (const s of failedSteps) {
    const what = `step ${s.index} ${s.name}${s.label ? ` (${s.label})` : ''}`;
    cases.push(`    <testcase classname="${xml(suite)}" name="${xml(what)}" time="${((s.end_ms ?? s.begin_ms) - s.begin_ms) / 1000}">\n      <failure type="step" message="${xml(s.detail ?? 'step failed')}"/>\n    </testcase>`);
  }
  const failures = report.slos.filter((s) => !s.pass).length + failedSteps.length;
  const time = (report.duration_ms / 1000).toFixed(3);
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="peerlab" tests="${cases.length}" failures="${failures}" time="${time}">
  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures}" errors="0" time="${time}" timestamp="${xml(report.started_at)}">
    <properties>
      <property name="seed" value="${report.seed}"/>
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
