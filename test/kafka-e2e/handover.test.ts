// Scale-out and a clean stop while sessions are open: sessions move with their partitions and are handed over
// (handover-scenario.ts).
import { it } from 'vitest';

import { scaleOutAndLoseOne } from './handover-scenario.js';
import { useBroker } from './support.js';

const broker = useBroker();

it('hands open sessions over as assemblers join and one stops: each sealed once, chains intact', async () => {
  await scaleOutAndLoseOne(broker, 'SIGTERM');
}, 400_000);
