// A trial store in Redis itself, for runs whose workers share no directory: one value per record
// (checkpoint, result, final weights), each written with one SET, so a reader sees a whole record
// or the previous one. A record above 16 MB is refused: Redis is memory, and a big model's
// checkpoints belong in a shared directory (--store DIR).
import type { Redis } from 'ioredis';
import type { TrialResult } from '../../run-log/types.js';
import { BUNDLE_FORMAT, type BundleIndex, type NamedTensor } from '../bundle.js';
import type { CheckpointState, WeightsMeta } from '../checkpoint.js';
import { CorruptRecordError, type FinalWeights, type TrialStore } from '../store.js';
import { recordKey } from './keys.js';
import type { TensorToWrite } from '../../util/safetensors.js';

export const REDIS_RECORD_LIMIT = 16 * 1024 * 1024;

/** A record too large for Redis: the message says what to do. */
export class RecordTooLargeError extends Error {}

/** [u32 LE length of the index][index JSON][zero padding to 4 bytes][float32 LE values]. */
function encode<M>(meta: M, tensors: readonly NamedTensor[]): Buffer {
  let offset = 0;
  const index: BundleIndex<M> = { format: BUNDLE_FORMAT, meta, tensors: [] };
  for (const t of tensors) {
    index.tensors.push({ name: t.name, shape: t.shape, offset, length: t.data.length });
    offset += t.data.length;
  }
  const head = Buffer.from(JSON.stringify(index), 'utf8');
  const start = 4 + head.length + ((4 - ((4 + head.length) % 4)) % 4);
  const out = Buffer.alloc(start + offset * 4);
  out.writeUInt32LE(head.length, 0);
  head.copy(out, 4);
  const values = new Float32Array(out.buffer, out.byteOffset + start, offset);
  tensors.forEach((t, i) => values.set(t.data, index.tensors[i]!.offset));
  return out;
}

function decode<M>(bytes: Buffer, what: string): { meta: M; tensors: Map<string, NamedTensor> } {
  const headLength = bytes.length >= 4 ? bytes.readUInt32LE(0) : -1;
  if (headLength < 0 || 4 + headLength > bytes.length) throw new CorruptRecordError(`${what}: truncated`);
  let index: BundleIndex<M>;
  try {
    index = JSON.parse(bytes.subarray(4, 4 + headLength).toString('utf8')) as BundleIndex<M>;
  } catch (error) {
    throw new CorruptRecordError(`${what}: its index is not valid JSON (${(error as Error).message})`);
  }
  if (index?.format !== BUNDLE_FORMAT || !Array.isArray(index.tensors)) throw new CorruptRecordError(`${what}: not a ${BUNDLE_FORMAT} record`);
  const start = 4 + headLength + ((4 - ((4 + headLength) % 4)) % 4);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length));
  const tensors = new Map<string, NamedTensor>();
  for (const t of index.tensors) {
    if (!Number.isInteger(t?.offset) || t.offset + t.length > all.length) throw new CorruptRecordError(`${what}: tensor ${JSON.stringify(t?.name)} lies outside the record (truncated)`);
    tensors.set(t.name, { name: t.name, shape: t.shape, data: all.slice(t.offset, t.offset + t.length) });
  }
  return { meta: index.meta, tensors };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export class RedisStore implements TrialStore {
  constructor(
    private readonly client: Redis,
    private readonly runKey: string,
  ) {}

  private key(trialId: string, what: 'checkpoint' | 'result' | 'weights'): string {
    return recordKey(this.runKey, trialId, what);
  }

  private async put(trialId: string, what: 'checkpoint' | 'weights', bytes: Buffer): Promise<void> {
    if (bytes.length > REDIS_RECORD_LIMIT) {
      throw new RecordTooLargeError(
        `trial ${trialId}: its ${what === 'checkpoint' ? 'checkpoint takes' : 'final weights take'} ${mb(bytes.length)}, more than the ${mb(REDIS_RECORD_LIMIT)} a record may take in Redis: ` +
          'give the run a directory every machine mounts (trainyard run --queue URL --store DIR, and trainyard worker --store DIR on each worker)',
      );
    }
    await this.client.set(this.key(trialId, what), bytes);
  }

  async loadCheckpoint(trialId: string): Promise<CheckpointState | undefined> {
    const bytes = await this.client.getBuffer(this.key(trialId, 'checkpoint'));
    if (!bytes) return undefined;
    const { meta, tensors } = decode<Omit<CheckpointState, 'tensors'>>(bytes, `the checkpoint of trial ${trialId} in Redis`);
    if (!Number.isInteger(meta?.epoch) || !Array.isArray(meta.epochs)) throw new CorruptRecordError(`the checkpoint of trial ${trialId} in Redis does not hold an epoch's state`);
    return { ...meta, tensors: [...tensors.values()] };
  }

  async saveCheckpoint(trialId: string, state: CheckpointState): Promise<void> {
    const { tensors, ...meta } = state;
    await this.put(trialId, 'checkpoint', encode(meta, tensors));
  }

  async loadResult(trialId: string): Promise<TrialResult | undefined> {
    const text = await this.client.get(this.key(trialId, 'result'));
    if (text === null) return undefined;
    let result: TrialResult;
    try {
      result = JSON.parse(text) as TrialResult;
    } catch (error) {
      throw new CorruptRecordError(`the result of trial ${trialId} in Redis is not valid JSON (${(error as Error).message})`);
    }
    if (result?.id !== trialId || !Array.isArray(result.epochs) || !['ok', 'diverged'].includes(result.status)) throw new CorruptRecordError(`the result of trial ${trialId} in Redis is not that trial's`);
    return result;
  }

  async saveResult(result: TrialResult): Promise<void> {
    await this.client.set(this.key(result.id, 'result'), JSON.stringify(result));
  }

  async saveFinalWeights(meta: WeightsMeta, tensors: NamedTensor[], torch?: TensorToWrite[]): Promise<void> {
    // The torch state_dict rides in the same record (its dtypes in the meta), so the coordinator writes model.safetensors too.
    const torchMeta = torch ? { torch: torch.map((t) => ({ name: t.name, dtype: t.dtype ?? 'F32' })) } : {};
    const all = [...tensors, ...(torch ?? []).map((t) => ({ name: `torch/${t.name}`, shape: t.shape, data: t.data }))];
    await this.put(meta.trialId, 'weights', encode({ ...meta, ...torchMeta }, all));
  }

  async loadFinalWeights(trialId: string): Promise<FinalWeights | undefined> {
    const bytes = await this.client.getBuffer(this.key(trialId, 'weights'));
    if (!bytes) return undefined;
    const { meta: stored, tensors } = decode<WeightsMeta & { torch?: { name: string; dtype: 'F32' | 'I64' }[] }>(bytes, `the final weights of trial ${trialId} in Redis`);
    const { torch: names, ...meta } = stored;
    const torch = names?.map(({ name, dtype }) => {
      const t = tensors.get(`torch/${name}`);
      if (!t) throw new CorruptRecordError(`the final weights of trial ${trialId} in Redis lack torch tensor ${name}`);
      tensors.delete(`torch/${name}`);
      return { name, shape: t.shape, data: t.data, dtype };
    });
    return { meta, tensors, ...(torch ? { torch } : {}) };
  }

  /** Frees a trial's records once the coordinator has copied them into the run directory. */
  async forget(trialId: string): Promise<void> {
    await this.client.del(this.key(trialId, 'checkpoint'), this.key(trialId, 'result'), this.key(trialId, 'weights'));
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
