import { describe, expect, it } from 'vitest';
import { cancelJob } from '../jobs';
import { controlTraining, trainingControl } from './training-control';

/** Whether `p` settles within a few event-loop turns. */
async function settles(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
}

describe('training control', () => {
  it('a pause holds the gate until resume, telling the job when the trainer waits and when it goes on', async () => {
    const heard: boolean[] = [];
    const control = trainingControl(101, (paused) => heard.push(paused));
    expect(await settles(control.gate())).toBe(true);
    expect(controlTraining({ target: 101, action: 'pause' })).toBe(true);
    expect(heard).toEqual([]); // the step in flight still runs: paused only once the trainer waits
    const held = control.gate();
    expect(control.paused).toBe(true);
    expect(await settles(held)).toBe(false);
    controlTraining({ target: 101, action: 'resume' });
    expect(await settles(held)).toBe(true);
    expect(heard).toEqual([true, false]);
    control.dispose();
  });

  it('a stop (also while paused) opens the gate and aborts the stop signal', async () => {
    const control = trainingControl(102);
    controlTraining({ target: 102, action: 'pause' });
    const held = control.gate();
    expect(control.stop.aborted).toBe(false);
    controlTraining({ target: 102, action: 'stop' });
    expect(await settles(held)).toBe(true);
    // Held at the gate, nothing is in flight: the stop reads aborted at once.
    expect(control.stop.aborted).toBe(true);
    control.dispose();
  });

  it('a stop during a step reads aborted only once the trainer is back at the gate (runs in flight must not see it)', async () => {
    const control = trainingControl(104);
    await control.gate();
    controlTraining({ target: 104, action: 'stop' });
    expect(control.stop.aborted).toBe(false);
    await control.gate();
    expect(control.stop.aborted).toBe(true);
    // A stopped run cannot be paused again.
    controlTraining({ target: 102, action: 'pause' });
    expect(await settles(control.gate())).toBe(true);
    control.dispose();
  });

  it('a hard cancel of the job opens a paused gate; unknown or finished jobs answer false', async () => {
    const control = trainingControl(103);
    controlTraining({ target: 103, action: 'pause' });
    const held = control.gate();
    cancelJob(103);
    expect(await settles(held)).toBe(true);
    control.dispose();
    expect(controlTraining({ target: 103, action: 'pause' })).toBe(false);
    expect(controlTraining({ target: 999, action: 'resume' })).toBe(false);
  });
});
