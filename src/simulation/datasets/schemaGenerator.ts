import { DistdbError } from '../../errors.js';
import type { RecordGenerator } from './generator.js';

export function createGenerator(): RecordGenerator {
  throw new DistdbError('usage', 'generated datasets are not available for this schema yet');
}
