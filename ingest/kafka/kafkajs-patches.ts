// One targeted fix to kafkajs 2.2.4, applied once when the consumer module loads.
//
// kafkajs runs one fetcher per broker. When partition leaders move, every fetcher
// gets NOT_LEADER_FOR_PARTITION and each one calls ConsumerGroup#joinAndSync on its
// own, so one member sends several JoinGroup requests at once. The group coordinator
// then keeps rebalancing (seen on the mock cluster as JoinGroup answers 14 s and 28 s
// late, a SyncGroup with a stale generation, and no fetching for half a minute).
// A join that is already running is what every caller wants: share it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface ConsumerGroupLike {
  joinAndSync(): Promise<void>;
}

const SHARED = Symbol.for('ticketpulse.kafkajs.sharedJoin');
const PATCHED = Symbol.for('ticketpulse.kafkajs.joinPatched');

export function patchKafkajs(): void {
  const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup.js') as { prototype: ConsumerGroupLike & Record<symbol, unknown> };
  const proto = ConsumerGroup.prototype;
  if (proto[PATCHED]) return;
  const original = proto.joinAndSync;
  proto.joinAndSync = function joinAndSync(this: ConsumerGroupLike & Record<symbol, Promise<void> | undefined>): Promise<void> {
    const running = this[SHARED];
    if (running) return running;
    const join = original.call(this).finally(() => {
      this[SHARED] = undefined;
    });
    this[SHARED] = join;
    return join;
  };
  proto[PATCHED] = true;
}
