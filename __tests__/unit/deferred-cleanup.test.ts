import { setTimeout as sleep } from 'node:timers/promises';
import { DeferredCleanup, deferTo } from '../../src/util/deferred-cleanup.js';

describe('DeferredCleanup: removals the run overlaps with its judging, settled before it ends', () => {
  it('starts the work at once and does not wait for it', async () => {
    const cleanup = new DeferredCleanup();
    const order: string[] = [];
    cleanup.add(
      async () => {
        order.push('started');
        await sleep(20);
        order.push('removed');
      },
      () => undefined,
    );
    order.push('judging');
    expect(cleanup.size).toBe(1);
    await cleanup.settle();
    expect(order).toEqual(['started', 'judging', 'removed']);
    expect(cleanup.size).toBe(0);
  });

  it('settles work added while it waits (a removal that hands on another)', async () => {
    const cleanup = new DeferredCleanup();
    let last = false;
    cleanup.add(
      async () => {
        await sleep(5);
        cleanup.add(
          async () => {
            await sleep(5);
            last = true;
          },
          () => undefined,
        );
      },
      () => undefined,
    );
    await cleanup.settle();
    expect(last).toBe(true);
  });

  it('says a failure and goes on: one removal that fails does not keep the others from settling', async () => {
    const cleanup = new DeferredCleanup();
    const said: string[] = [];
    let other = false;
    cleanup.add(
      () => Promise.reject(new Error('container is in use')),
      (message) => said.push(message),
    );
    cleanup.add(
      async () => {
        await sleep(5);
        other = true;
      },
      (message) => said.push(message),
    );
    await expect(cleanup.settle()).resolves.toBeUndefined();
    expect(said).toEqual(['container is in use']);
    expect(other).toBe(true);
  });

  it('without a run to defer to, does the work before it returns', async () => {
    let done = false;
    await deferTo(undefined)(
      async () => {
        await sleep(5);
        done = true;
      },
      () => undefined,
    );
    expect(done).toBe(true);
    const said: string[] = [];
    await deferTo(undefined)(
      () => Promise.reject(new Error('gone')),
      (message) => said.push(message),
    );
    expect(said).toEqual(['gone']);
  });

  it('with one, returns before the work is done and the run settles it', async () => {
    const cleanup = new DeferredCleanup();
    let done = false;
    await deferTo(cleanup)(
      async () => {
        await sleep(10);
        done = true;
      },
      () => undefined,
    );
    expect(done).toBe(false);
    await cleanup.settle();
    expect(done).toBe(true);
  });
});
