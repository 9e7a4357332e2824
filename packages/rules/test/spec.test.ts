import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DEFAULT_PACK_FILE,
  loadRuleFiles,
  parseRuleFile,
  RuleFileError,
  type RuleProblem,
} from '@bulwark/rules';
import { IncidentKind } from '@bulwark/schemas';
import { afterEach, describe, expect, it } from 'vitest';

function problemsOf(run: () => unknown): RuleProblem[] {
  try {
    run();
  } catch (error) {
    if (error instanceof RuleFileError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a RuleFileError');
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function write(name: string, text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-rules-'));
  dirs.push(dir);
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('rule files', () => {
  it('ships a default pack that covers every incident kind', () => {
    const { rules } = loadRuleFiles([]);
    expect(new Set(rules.map((rule) => rule.kind))).toEqual(new Set(IncidentKind.options));
    expect(rules.every((rule) => rule.description !== undefined)).toBe(true);
  });

  it('explains every problem with its line', () => {
    const text = [
      'rules:', // 1
      '  - name: Fine_Name', // 2
      '    kind: brute_force', // 3
      '    type: threshold', // 4
      '    group_by: [source.ip]', // 5
      '    threshold: 5', // 6
      '    window: soon', // 7
      '  - name: other', // 8
      '    kind: brute_force', // 9
      '    type: rate', // 10
      '    group_by: [source.ip]', // 11
      '    absolute: -1', // 12
      '    surprise: 1', // 13
    ].join('\n');
    const problems = problemsOf(() => parseRuleFile(text, 'r.yaml'));
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(byPath['rules.0.name']).toMatchObject({ line: 2 });
    expect(byPath['rules.0.window']).toMatchObject({ line: 7, message: expect.stringMatching(/duration/) });
    expect(byPath['rules.1.absolute']).toMatchObject({ line: 12 });
    expect(problems.some((p) => p.path === 'rules.1' && /surprise/.test(p.message))).toBe(true);
  });

  it('reports YAML syntax errors and duplicate names with their lines', () => {
    expect(problemsOf(() => parseRuleFile('- name: a\n  kind: [brute_force\n', 'bad.yaml'))[0]).toMatchObject(
      {
        file: 'bad.yaml',
        line: expect.any(Number),
      },
    );
    const rule = (name: string) =>
      `- name: ${name}\n  kind: brute_force\n  type: threshold\n  group_by: [source.ip]\n  threshold: 3\n  window: 1m\n`;
    const problems = problemsOf(() => parseRuleFile(rule('twice') + rule('twice'), 'dup.yaml'));
    expect(problems).toEqual([
      expect.objectContaining({ line: 7, message: expect.stringMatching(/duplicate/) }),
    ]);
  });

  it('lets a file replace or disable a rule of the default pack, and merges allowlists', () => {
    const file = write(
      'local.yaml',
      [
        'allow:',
        '  cidrs: [10.0.0.0/8]',
        'rules:',
        '  - name: brute_force_fast',
        '    kind: brute_force',
        '    type: threshold',
        '    filter: { bulwark.category: failed_login }',
        '    group_by: [source.ip]',
        '    threshold: 3',
        '    window: 1m',
        '  - name: request_flood',
        '    kind: request_flood',
        '    type: rate',
        '    enabled: false',
        '    group_by: [source.ip]',
        '    absolute: 1',
      ].join('\n'),
    );
    const loaded = loadRuleFiles([file]);
    const fast = loaded.rules.find((rule) => rule.name === 'brute_force_fast');
    expect(fast).toMatchObject({ threshold: 3, window: 60_000 });
    expect(loaded.rules.find((rule) => rule.name === 'request_flood')?.enabled).toBe(false);
    expect(loaded.allow?.cidrs).toEqual(['10.0.0.0/8']);
    expect(loadRuleFiles([file], { defaultPack: false }).rules.map((rule) => rule.name)).toEqual([
      'brute_force_fast',
      'request_flood',
    ]);
  });

  it('names a missing file', () => {
    expect(problemsOf(() => loadRuleFiles(['/nonexistent/rules.yaml']))[0]?.message).toMatch(/cannot read/);
    expect(DEFAULT_PACK_FILE).toMatch(/default\.yaml$/);
  });
});
