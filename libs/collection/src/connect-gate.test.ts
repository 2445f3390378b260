import { ConnectGate } from './connect-gate';

describe('ConnectGate', () => {
  it('lets at most max in, the rest in arrival order as slots free; an aborted waiter leaves the line', async () => {
    const gate = new ConnectGate(2);
    const never = new AbortController().signal;
    const a = await gate.enter(never);
    const b = await gate.enter(never);
    const order: string[] = [];
    const cAbort = new AbortController();
    const c = gate.enter(cAbort.signal).then((leave) => (order.push('c'), leave));
    const d = gate.enter(never).then((leave) => (order.push('d'), leave));
    expect(gate.waiting).toBe(2);
    cAbort.abort();
    await c;
    expect(gate.waiting).toBe(1);
    a();
    a(); // leaving twice frees one slot only
    await d;
    expect(order).toEqual(['c', 'd']);
    const eLeave = gate.enter(never);
    let entered = false;
    void eLeave.then(() => (entered = true));
    await new Promise((r) => setImmediate(r));
    expect(entered).toBe(false); // b and d are inside
    b();
    await eLeave;
    expect(entered).toBe(true);
  });
});
