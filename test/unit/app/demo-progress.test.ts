import { jest } from '@jest/globals';
import { ProgressLine } from '../../../app/demo-progress.ts';

/** A stand-in for process.stdout/stderr: what was written, and whether it is a terminal. */
function stream(isTTY: boolean): NodeJS.WriteStream & { text: () => string } {
  const chunks: string[] = [];
  return {
    isTTY,
    write: (chunk: string) => chunks.push(chunk) > 0,
    text: () => chunks.join(''),
  } as unknown as NodeJS.WriteStream & { text: () => string };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('on a terminal the line is rewritten in place, and left on its own line at the end', () => {
  const out = stream(true);
  let n = 0;
  const line = new ProgressLine(out, () => `step ${++n}`);
  jest.advanceTimersByTime(600);
  line.stop();
  expect(out.text()).toBe('\r\x1b[2Kstep 1\r\x1b[2Kstep 2\r\x1b[2Kstep 3\r\x1b[2Kstep 4\n');
});

test('in a log or a pipe it is a plain line every 5 s, without control characters', () => {
  const out = stream(false);
  let n = 0;
  const line = new ProgressLine(out, () => `step ${++n}`);
  jest.advanceTimersByTime(10_000);
  line.stop();
  expect(out.text()).toBe('step 1\nstep 2\nstep 3\n');
});
