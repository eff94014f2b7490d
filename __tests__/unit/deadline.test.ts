import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { within } from '../../src/util/deadline.js';

describe('within: a wait with a deadline', () => {
  it('gives the value when it comes first', async () => {
    await expect(within(sleep(5, 'done'), 1000)).resolves.toEqual({ timedOut: false, value: 'done' });
  });

  it('says timedOut when the deadline comes first', async () => {
    await expect(within(sleep(1000, 'late'), 10)).resolves.toEqual({ timedOut: true });
  });

  it('passes a rejection through', async () => {
    await expect(within(Promise.reject(new Error('engine gone')), 1000)).rejects.toThrow('engine gone');
  });

  it('rejects at once when cancelled, and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    const waiting = within(sleep(1000), 5000, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const settled = new AbortController();
    await within(sleep(1), 1000, settled.signal);
    expect(getEventListeners(settled.signal, 'abort')).toHaveLength(0);
  });

  it('refuses to start on a signal already aborted', async () => {
    await expect(within(sleep(1), 1000, AbortSignal.abort(new Error('too late')))).rejects.toThrow('too late');
  });
});
