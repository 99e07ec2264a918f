/**
 * Named checks, each printed PASS or FAIL on stderr as it finishes, and one summary line at
 * the end on stdout ("interop: N passed, N failed", with ", N skipped" when a scenario
 * stopped early). A scenario is a list of checks that build on each other (bind, then
 * submit, then the receipt of that submit), so after a failure the rest of that scenario is
 * reported as skipped rather than run against a broken state; the other scenarios still run.
 */
export interface Check {
  name: string;
  run: () => Promise<void>;
}

/** A value an earlier check of the scenario was to produce. */
export function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('a value an earlier check was to produce is missing');
  return value;
}

type Outcome = 'pass' | 'fail' | 'skip';

export class Report {
  private readonly results: { scenario: string; name: string; outcome: Outcome; detail?: string }[] = [];
  private readonly notes: string[] = [];

  /** `diagnostics` gives what to print under a failure: the last stderr lines of the processes. */
  constructor(
    private readonly log: (line: string) => void,
    private readonly diagnostics: () => string = () => '',
  ) {}

  async scenario(title: string, checks: readonly Check[]): Promise<void> {
    this.log(`\n== ${title}`);
    let failed = false;
    for (const check of checks) {
      if (failed) {
        this.results.push({ scenario: title, name: check.name, outcome: 'skip', detail: 'not run: an earlier check of this scenario failed' });
        this.log(`  SKIP ${check.name} (not run: an earlier check of this scenario failed)`);
        continue;
      }
      const started = performance.now();
      try {
        await check.run();
        this.results.push({ scenario: title, name: check.name, outcome: 'pass' });
        this.log(`  PASS ${check.name} (${Math.round(performance.now() - started)} ms)`);
      } catch (err) {
        failed = true;
        const detail = err instanceof Error ? err.message : String(err);
        this.results.push({ scenario: title, name: check.name, outcome: 'fail', detail });
        this.log(`  FAIL ${check.name}: ${detail}${this.diagnostics()}`);
      }
    }
  }

  /** A failure outside any scenario (set-up, the run's deadline). */
  fail(name: string, detail: string): void {
    this.results.push({ scenario: 'run', name, outcome: 'fail', detail });
    this.log(`  FAIL ${name}: ${detail}`);
  }

  /** Something worth reading that is not a failure (Net::SMPP's warnings, say). */
  note(line: string): void {
    this.notes.push(line);
  }

  get ok(): boolean {
    return this.results.length > 0 && this.results.every((r) => r.outcome === 'pass');
  }

  /** The closing report: notes and failures on stderr, then the one summary line on stdout. */
  finish(): string {
    if (this.notes.length > 0) {
      this.log('\nnotes:');
      for (const n of this.notes) this.log(`  - ${n}`);
    }
    const failures = this.results.filter((r) => r.outcome === 'fail');
    if (failures.length > 0) {
      this.log('\nfailed:');
      for (const f of failures) this.log(`  - [${f.scenario}] ${f.name}: ${f.detail?.split('\n')[0] ?? ''}`);
    }
    const count = (o: Outcome) => this.results.filter((r) => r.outcome === o).length;
    const skipped = count('skip');
    return `interop: ${count('pass')} passed, ${count('fail')} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
  }
}
