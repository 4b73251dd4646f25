// Scale-out, then a kill -9 of an assembler while the group bundles (handover-scenario.ts): the new owners go on
// from the state it last published, writing its last step's records if they had not reached its disk.
import { it } from 'vitest';

import { scaleOutAndLoseOne } from './handover-scenario.js';
import { useBroker } from './support.js';

const broker = useBroker();

it('goes on from the handover state of a killed assembler: each session sealed once, chains intact', async () => {
  await scaleOutAndLoseOne(broker, 'SIGKILL');
}, 400_000);
